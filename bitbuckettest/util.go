package bitbuckettest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func itoa(n int) string { return strconv.Itoa(n) }

func pad5(n int) string { return fmt.Sprintf("%05d", n) }

// fakeUUID returns a stable, brace-wrapped UUID for a numeric id, as Cloud shows them.
func fakeUUID(id int) string {
	return fmt.Sprintf("{00000000-0000-4000-8000-%012d}", id)
}
