// Package paging is the one pagination iterator of the module, with its loop guard, and the
// encoding of the opaque cursors that Page.Next carries.
//
// A provider describes one page request as a Fetch: given a cursor ("" for the first page) it
// returns a bitbucket.Page. Seq turns a Fetch into the iter.Seq2 that every List… method returns.
// It fetches nothing before the loop starts and nothing more after break, checks ctx between
// pages, and yields the first error once and stops. Its loop guard ends a listing with
// bitbucket.ErrPaginationStalled when the server repeats a cursor or sends more than
// MaxEmptyPages empty pages in a row that each claim a successor.
//
// EncodeCursor and DecodeCursor turn a provider's cursor state (a small struct: the listing's
// options and the server's own next link or start) into URL-safe text and back. A cursor is
// self-contained, so another replica with the same credentials resumes from it; DecodeCursor
// refuses anything it did not make, and over-long input, with bitbucket.ErrInvalidInput.
package paging
