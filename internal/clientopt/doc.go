// Package clientopt holds the configuration that bitbucket.Option values fill.
//
// It imports only the standard library, so that package bitbucket can declare its options without
// depending on the HTTP stack that reads them. cloud.New and server.New apply the options to a
// Config and hand it to internal/httpx.
package clientopt
