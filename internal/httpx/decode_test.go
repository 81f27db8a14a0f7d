package httpx

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bbconnect/bbconnect/auth"
	"github.com/jarcoal/httpmock"
)

// wireRepo is a tagged wire struct as cloud and server declare them.
type wireRepo struct {
	Slug        string `json:"slug"`
	Description string `json:"description"`
	ID          int    `json:"id"`
}

type wirePage struct {
	Values []wireRepo `json:"values"`
	Next   string     `json:"next"`
}

func doJSON(t *testing.T, body string, out any) error {
	t.Helper()
	m := newMock(t)
	m.RegisterResponder("GET", mockBase+"/x", func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(200, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	c := newClient(t, mockBase, auth.None(), withTransport(m))
	_, err := c.Do(t.Context(), Request{Path: "/x"}, out)
	return err
}

// TestInvalidUTF8InAStringDoesNotFailThePage: one repository with a broken description must not
// cost the caller the whole page.
func TestInvalidUTF8InAStringDoesNotFailThePage(t *testing.T) {
	var out wirePage
	err := doJSON(t, "{\"values\":[{\"slug\":\"a\",\"description\":\"caf\xe9 \xff\"},{\"slug\":\"b\"}],\"next\":\"n\"}", &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Values) != 2 || out.Values[0].Description != "caf\uFFFD \uFFFD" || out.Next != "n" {
		t.Errorf("decoded %+v", out)
	}
}

// TestTrailingDataIsAnError: two documents, or a document followed by garbage, are not one
// answer (issue 11 item 13).
func TestTrailingDataIsAnError(t *testing.T) {
	for _, body := range []string{`{"slug":"a"}{"slug":"b"}`, `{"slug":"a"} garbage`, `{"slug":"a"}]`, "[1] [2]"} {
		var out any
		err := doJSON(t, body, &out)
		ae := asAPIError(t, err)
		if ae.Message != "invalid JSON in response body" {
			t.Errorf("%s: message %q", body, ae.Message)
		}
	}
	// Trailing white space is fine.
	var out wireRepo
	if err := doJSON(t, "{\"slug\":\"a\"}\r\n\t ", &out); err != nil || out.Slug != "a" {
		t.Errorf("trailing space: err %v, out %+v", err, out)
	}
}

// TestNamesMatchTheTagsExactly: members match the tags as written; another case is an unknown
// member (ignored), and a duplicate takes the last value.
func TestNamesMatchTheTagsExactly(t *testing.T) {
	var out wireRepo
	if err := doJSON(t, `{"SLUG":"upper","Slug":"title","slug":"exact","id":1,"id":2,"extra":{"x":[1]}}`, &out); err != nil {
		t.Fatal(err)
	}
	if out.Slug != "exact" || out.ID != 2 {
		t.Errorf("decoded %+v; want the exact tag and the last duplicate", out)
	}
}

// TestHostileJSONFailsTyped: deep nesting and numbers beyond the target type are typed decode
// failures, never a panic or a hang.
func TestHostileJSONFailsTyped(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	for _, tc := range []struct {
		body string
		out  any
		want string
	}{
		{deep, new(any), "invalid JSON in response body"},
		{`{"id":1e999}`, new(wireRepo), "response JSON does not have the expected shape"},
		{`{"id":99999999999999999999999}`, new(wireRepo), "response JSON does not have the expected shape"},
		{`{"values":{"slug":"a"}}`, new(wirePage), "response JSON does not have the expected shape"},
	} {
		err := doJSON(t, tc.body, tc.out)
		if ae := asAPIError(t, err); ae.Message != tc.want {
			t.Errorf("%.40s: message %q, want %q", tc.body, ae.Message, tc.want)
		}
	}
}

// TestBodyIsReadOnce: the decoder reads the body to its end once and nothing reads it again.
func TestBodyIsReadOnce(t *testing.T) {
	body := &countingBody{r: strings.NewReader(`{"slug":"a"}`)}
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
	c := &Client{}
	var out wireRepo
	if err := c.decodeJSON("GET", "u", resp, 1, &out, 1<<20); err != nil || out.Slug != "a" {
		t.Fatalf("err %v, out %+v", err, out)
	}
	if body.bytes != len(`{"slug":"a"}`) {
		t.Errorf("read %d bytes", body.bytes)
	}
}

type countingBody struct {
	r     io.Reader
	bytes int
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.bytes += n
	return n, err
}

func (b *countingBody) Close() error { return nil }
