// Package jsonwalk reads JSON values that encoding/json has already checked, without the
// reflection and the per-field allocations of json.Unmarshal. The list decoders of cloud and
// server use it from UnmarshalJSON methods: encoding/json validates the whole document, then hands
// each method the bytes of its value, which jsonwalk walks member by member.
//
// Every function is safe on any input: malformed JSON gives an error, never a panic. Type
// mismatches are *json.UnmarshalTypeError, as encoding/json reports them.
package jsonwalk
