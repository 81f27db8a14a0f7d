package httpx

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeOptions are the encoding/json/v2 options of every body this package decodes (2xx answers
// and error bodies), each chosen on purpose:
var decodeOptions = json.JoinOptions(
	// Invalid UTF-8 inside a string (a repository description written by a broken client) becomes
	// U+FFFD instead of failing the whole page, as encoding/json v1 did.
	jsontext.AllowInvalidUTF8(true),
	// A duplicate member name is tolerated, the last one winning (v1's behaviour): the body comes
	// from the origin the client dialled over TLS, which could send any values it likes anyway, so
	// a duplicate gains it nothing. Webhook deliveries, which strangers send, are decoded by package
	// webhooks under its own rules.
	jsontext.AllowDuplicateNames(true),
	// Members the wire structs do not name are ignored: Bitbucket adds fields without notice.
	json.RejectUnknownMembers(false),
	// Names match exactly, as the `json:"..."` tags of the wire structs spell them (v2's default;
	// v1 matched case-insensitively). A member "ID" does not fill a field tagged "id", and a wire
	// field without a tag matches only its Go name.
	json.MatchCaseInsensitiveNames(false),
)

// encodeOptions are the options of every request body this package encodes. Names are the tags
// as written; nil slices and maps are encoded as [] and {} (v2's default; v1 wrote null), which
// Bitbucket reads as empty.
var encodeOptions = json.JoinOptions(
	// A string with invalid UTF-8 is sent with U+FFFD in its place (v1's behaviour) rather than
	// failing the call.
	jsontext.AllowInvalidUTF8(true),
)

// Unmarshal decodes one JSON document into out with decodeOptions, as every response body is
// decoded. Tests and fuzz targets of the providers call it to decode recorded bodies exactly as
// production does.
func Unmarshal(data []byte, out any) error { return json.Unmarshal(data, out, decodeOptions) }
