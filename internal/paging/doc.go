// Package paging is the one pagination engine of the module: every list of both providers runs
// on it, webhooks included.
//
// A provider describes one page request as a Source over a typed state S: given the state of a
// page it returns a Batch with the page's items and, when more follow, the state of the next one.
// Two walkers build Sources from the providers' envelopes: NextLinks for Cloud (the state is the
// "next" link) and Starts for Data Center (the state is start and limit, moved to nextPageStart,
// checked to move forward).
//
// Iterate turns a Source into the iter.Seq2 that List… methods return: it fetches nothing before
// the loop starts and nothing more after break, reads one page ahead, checks ctx between pages and
// yields the first error once. Gather reads a whole list into a slice. PageAt serves a …Page
// method: it fetches one page and encodes the next state into the opaque cursor, which happens
// only at that boundary; a running iterator keeps its state typed. FanOut lists several
// namespaces at once with a small bound, in namespace order.
//
// The Guard is the loop guard, written once: a repeated state, a long run of empty pages that
// claim more, and more pages or items than Limits allow (defaults 10,000 pages and 1,000,000
// items) end a listing with an error wrapping bitbucket.ErrPaginationStalled.
//
// EncodeCursor and DecodeCursor turn a provider's cursor state (a small struct: the listing's
// options and the server's own next link or start) into URL-safe text and back. A cursor is
// self-contained, so another replica with the same credentials resumes from it; DecodeCursor
// refuses anything it did not make, and over-long input, with bitbucket.ErrInvalidInput.
package paging
