package cloud

import (
	"errors"
	"slices"
	"testing"

	"github.com/bbconnect/bbconnect/bitbucket"
)

var userBody = map[string]any{
	"type": "user", "uuid": "{d301aafa-d676-4ee0-88be-962be7417567}", "account_id": "557058:abc",
	"nickname": "jdoe", "display_name": "Jane Doe", "account_status": "active",
}

func TestCheckConnectionUserAndScopes(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/user", fixed(200, userBody, "X-OAuth-Scopes", "account, email,repository webhook", "X-Credential-Type", "oauth2"))
	m.on("GET /2.0/user/emails", fixed(200, map[string]any{"values": []any{
		map[string]any{"type": "email", "email": "old@example.com", "is_primary": false, "is_confirmed": true},
		map[string]any{"type": "email", "email": "unconfirmed@example.com", "is_primary": true, "is_confirmed": false},
		map[string]any{"type": "email", "email": "jane@example.com", "is_primary": true, "is_confirmed": true},
	}}))
	info, err := m.client(nil).CheckConnection(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := bitbucket.User{ID: "{d301aafa-d676-4ee0-88be-962be7417567}", Username: "jdoe", DisplayName: "Jane Doe", Email: "jane@example.com"}
	if info.User != want {
		t.Errorf("User = %+v, want %+v", info.User, want)
	}
	if !slices.Equal(info.Scopes, []string{"account", "email", "repository", "webhook"}) {
		t.Errorf("Scopes = %q", info.Scopes)
	}
	if info.Provider != bitbucket.Cloud || info.BaseURL != testBase || info.Version != "" {
		t.Errorf("info = %+v", info)
	}
}

func TestCheckConnectionWithoutEmailScope(t *testing.T) {
	m := newMock(t) // no /user/emails route: asking for it would fail the test
	m.on("GET /2.0/user", fixed(200, userBody, "X-OAuth-Scopes", "account"))
	info, err := m.client(nil).CheckConnection(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.User.Username != "jdoe" || info.User.Email != "" {
		t.Errorf("User = %+v", info.User)
	}
}

func TestCheckConnectionEmailForbiddenIsNotAnError(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/user", fixed(200, userBody)) // an API token: no scopes header
	m.on("GET /2.0/user/emails", fixed(403, cloudError("Your credentials lack one or more required privilege scopes.")))
	u, err := m.client(nil).CurrentUser(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "{d301aafa-d676-4ee0-88be-962be7417567}" || u.Email != "" {
		t.Errorf("User = %+v", u)
	}
}

func TestCheckConnectionAccessToken(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/user", fixed(403, cloudError("This API is not available for access tokens"),
		"X-OAuth-Scopes", "repository, webhook", "X-Credential-Type", "repo_access_token"))
	c := m.client(nil)
	info, err := c.CheckConnection(t.Context())
	if err != nil {
		t.Fatalf("CheckConnection: %v", err)
	}
	if info.User != (bitbucket.User{}) {
		t.Errorf("User = %+v, want zero", info.User)
	}
	if !slices.Equal(info.Scopes, []string{"repository", "webhook"}) {
		t.Errorf("Scopes = %q", info.Scopes)
	}
	_, err = c.CurrentUser(t.Context())
	if !errors.Is(err, bitbucket.ErrNotSupported) || !errors.Is(err, bitbucket.ErrForbidden) {
		t.Errorf("CurrentUser: got %v, want ErrNotSupported and ErrForbidden", err)
	}
}

func TestCheckConnectionBadCredentials(t *testing.T) {
	m := newMock(t)
	m.on("GET /2.0/user", fixed(401, cloudError("Token is invalid, expired, or not supported for this endpoint.")))
	_, err := m.client(nil).CheckConnection(t.Context())
	var ae *bitbucket.APIError
	if !errors.Is(err, bitbucket.ErrUnauthorized) || !errors.As(err, &ae) || ae.StatusCode != 401 {
		t.Errorf("got %v, want a 401 APIError", err)
	}
	var ce *bitbucket.CheckError
	if !errors.As(err, &ce) || ce.Provider != bitbucket.Cloud || ce.Step != bitbucket.StepUser || ce.Reason != bitbucket.ReasonUnauthorized {
		t.Errorf("got %#v, want a CheckError of the user step, reason unauthorized", ce)
	}
}
