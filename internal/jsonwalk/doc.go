// Package jsonwalk is the module's one hand-written JSON reader: a single-pass Decoder that
// validates a whole document while decoding only the values its caller asks for, straight into
// the caller's types. The webhooks package decodes deliveries with it, and cloud and server decode
// repository list pages with it (from UnmarshalJSON methods, so that encoding/json still reads the
// response body).
//
// # Why not encoding/json
//
// Speed and allocations that encoding/json could not reach, as measured in bench/RESULTS.md:
//
//   - Webhooks: verifying and parsing a ~5 KB push delivery takes 29.6 µs and 20 allocations
//     (Cloud repo:push; Data Center repo:refs_changed: 28.6 µs, 29 allocations), where
//     go-playground/webhooks v6, built on encoding/json, takes 75.0 µs and 93 allocations (Data
//     Center: 79.2 µs, 111). A Decoder[string] hands out substrings of one string copy of the
//     body, so a string without escapes costs no allocation.
//   - Repository listings: 3.6 allocations a repository on Cloud and 2.2 on Data Center, against
//     17.6 and 17.1 when each page was decoded into wire structs and then converted. A
//     Decoder[[]byte] copies the text it hands out (AppendString), so that the repositories a
//     caller keeps do not keep the page buffer alive.
//
// # Guarantees
//
// Decoder accepts exactly the documents encoding/json accepts (json.Valid), decodes strings
// exactly as encoding/json does (escapes, surrogate pairs, invalid UTF-8 replaced by U+FFFD) and
// limits nesting at encoding/json's depth. Its tests fuzz it against encoding/json on both points,
// for both kinds of input. No input makes it panic; malformed input is a *SyntaxError that names a
// position, never the input's content, and a value of another type than the one asked for is a
// *json.UnmarshalTypeError, as encoding/json reports it.
package jsonwalk
