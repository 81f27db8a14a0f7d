// Package contract checks bbconnect against Atlassian's official OpenAPI documents.
//
// It is a nested module (github.com/bbconnect/bbconnect/contract) so that its test-only
// dependencies, kin-openapi and gorilla/mux, never reach users of the library.
//
// # What is validated
//
// Transport is an http.RoundTripper over a clone of http.DefaultTransport. For every round trip it
// finds the operation in the document (whose servers are replaced by the URL under test: a Data
// Center base URL + "/rest", or a Cloud API root ending in /2.0), then checks:
//
//   - the request: path and query parameters against their schemas, every query parameter declared
//     by the operation, the JSON body against the request body schema (readOnly properties
//     refused), and no call to a deprecated or removed operation;
//   - the response: the status is documented for the operation, and the JSON body validates against
//     that status's schema (writeOnly properties refused, additionalProperties as the document
//     says, formats such as uri and date-time checked). All problems are collected, not only the
//     first.
//
// A request the document does not describe is a failure unless it is on the allow-list of
// undocumented endpoints. Failures are recorded, never returned to the caller: tests call Check
// (or read Failures) at the end, and Operations tells which operations a test exercised.
//
// The specs/ directory holds the documents, unchanged copies of those published by Atlassian
// (Data Center 9.4 and Cloud 2.0), embedded in the package so that a clone is self-contained.
//
// # Where the exceptions live
//
// Real Bitbucket departs from its documents in known ways (webhook ids missing from Data Center's
// RestWebhook schema, null error contexts, writeOnly links that every response carries, Cloud
// error details that are objects, undocumented endpoints such as the applinks whoami servlet and
// the OAuth endpoints, and more). Every one of them is in exceptions.go, in the Exceptions table
// with its reason and source, and implemented there as an in-memory patch of the document or as a
// rule the validator consults. Nothing else relaxes validation.
//
// # The tests
//
// fake_dc_test.go and fake_cloud_test.go drive the bitbuckettest fakes' endpoints directly, with
// the errors and edge cases no connector provokes; conformance_test.go runs the neutral behaviour tables of
// internal/conformance on both fakes with every connector behind a validating transport, so a
// Connector method is checked against the document by its conformance case alone;
// connector_dc_test.go and connector_cloud_test.go add what the tables do not reach (filters,
// provider extras, older servers); all require zero failures. validator_test.go proves the
// validator reports what it should.
package contract
