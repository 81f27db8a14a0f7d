// Package wiretime reads the dates Bitbucket writes, whatever their form. Cloud writes RFC 3339
// strings; Data Center writes epoch milliseconds as numbers, and Data Center 10 writes some dates
// as ISO 8601 strings whose offset may lack its colon ("2026-01-02T15:04:05+0100"). Wire structs
// in cloud, server and webhooks declare their date fields as Time, so every date of every REST
// resource and payload is read the same way.
package wiretime
