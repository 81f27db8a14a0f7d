// Package bitbucket is the provider-neutral core of bbconnect: the Connector interface that the
// Cloud and Data Center clients implement, the data types they return, the errors they fail with,
// the client options they share, and helpers over a Connector.
//
// # Providers
//
// Package cloud talks to Bitbucket Cloud (REST 2.0); package server talks to Bitbucket Server and
// Data Center (REST 1.0). Both return a Connector; provider-specific extras are methods on their
// concrete client types.
//
// # Authentication
//
// Credentials come from package auth and are given to the provider constructors. They never
// appear in an error, a log record or a printed value.
//
// # Pagination
//
// Every unbounded list has two forms: an iterator (iter.Seq2) that fetches lazily, stops at break
// and honours ctx between pages; and a page method that returns one Page with an opaque Next cursor
// that another Connector with the same credentials may resume from. A server that repeats a cursor
// or claims pages it never gives ends the iteration with ErrPaginationStalled.
//
// # Errors
//
// HTTP failures are *APIError values. Match them with errors.Is against the sentinels
// (ErrNotFound, ErrUnauthorized, ErrForbidden, ...) and read details with errors.As. Invalid
// arguments wrap ErrInvalidInput.
//
// # Testing
//
// Package bitbuckettest provides in-process fakes of both providers that tests and examples can
// run against.
package bitbucket
