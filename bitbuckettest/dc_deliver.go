package bitbuckettest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func init() { deliveryFormats[bitbucket.Server] = dcFormat{} }

// dcDateLayout is how Data Center writes a delivery's date: an offset with no colon, never "Z".
const dcDateLayout = "2006-01-02T15:04:05-0700"

// dcDeliveryZone is the zone the fake's delivery dates are written in, away from UTC so that a
// parser that ignores the offset is caught.
var dcDeliveryZone = time.FixedZone("CET", 3600)

// dcFormat builds Data Center webhook deliveries (reference §2.6).
type dcFormat struct{}

// attempts: Data Center never resends a delivery (reference §5).
func (dcFormat) attempts() int { return 1 }

// breaker: Data Center skips a webhook that keeps failing (dc_deliver_breaker.go).
func (dcFormat) breaker() bool { return true }

func (dcFormat) headers(key, id string, _ int, _ *hook) http.Header {
	return http.Header{
		"Content-Type": {"application/json; charset=UTF-8"},
		"X-Event-Key":  {key},
		"X-Request-Id": {id},
		"User-Agent":   {"Bitbucket Data Center webhooks (bbconnect fake)"},
	}
}

type dcRefJSON struct {
	ID        string `json:"id"`
	DisplayID string `json:"displayId"`
	Type      string `json:"type"`
}

type dcRefChangeJSON struct {
	Ref      dcRefJSON `json:"ref"`
	RefID    string    `json:"refId"`
	FromHash string    `json:"fromHash"`
	ToHash   string    `json:"toHash"`
	Type     string    `json:"type"`
}

func (dcFormat) pushBody(s *Server, repo bitbucket.RepoRef, p PushEvent, now time.Time) (string, []byte, error) {
	actor, err := s.actorLocked(p.Actor)
	if err != nil {
		return "", nil, err
	}
	if len(p.Changes) == 0 {
		return "", nil, fmt.Errorf("bitbuckettest: %w: a push needs at least one change", bitbucket.ErrInvalidInput)
	}
	changes := make([]dcRefChangeJSON, 0, len(p.Changes))
	for _, ch := range p.Changes {
		if !strings.HasPrefix(ch.Ref, "refs/") {
			return "", nil, fmt.Errorf("bitbuckettest: %w: ref %q is not a full ref name", bitbucket.ErrInvalidInput, ch.Ref)
		}
		from, to := ch.FromHash, ch.ToHash
		switch ch.Type {
		case "ADD":
			from = zeroHash
		case "DELETE":
			to = zeroHash
		case "UPDATE":
		default:
			return "", nil, fmt.Errorf("bitbuckettest: %w: change type %q: want ADD, UPDATE or DELETE",
				bitbucket.ErrInvalidInput, ch.Type)
		}
		kind, short := "BRANCH", strings.TrimPrefix(ch.Ref, "refs/heads/")
		if strings.HasPrefix(ch.Ref, "refs/tags/") {
			kind, short = "TAG", strings.TrimPrefix(ch.Ref, "refs/tags/")
		}
		changes = append(changes, dcRefChangeJSON{Ref: dcRefJSON{ID: ch.Ref, DisplayID: short, Type: kind},
			RefID: ch.Ref, FromHash: from, ToHash: to, Type: ch.Type})
	}
	body, err := json.Marshal(map[string]any{
		"eventKey":   "repo:refs_changed",
		"date":       now.In(dcDeliveryZone).Format(dcDateLayout),
		"actor":      dcUser(actor),
		"repository": s.dcRepoLocked(s.repos[repo]),
		"changes":    changes,
	})
	return "repo:refs_changed", body, err
}

// dcPRRefJSON is a pull request's fromRef or toRef.
type dcPRRefJSON struct {
	ID           string     `json:"id"`
	DisplayID    string     `json:"displayId"`
	LatestCommit string     `json:"latestCommit"`
	Type         string     `json:"type"`
	Repository   dcRepoJSON `json:"repository"`
}

type dcParticipantJSON struct {
	User     dcUserJSON `json:"user"`
	Role     string     `json:"role"`
	Approved bool       `json:"approved"`
	Status   string     `json:"status"`
}

// dcPullRequestKeys are the pull-request event keys PullRequestEvent sends on Data Center.
var dcPullRequestKeys = map[string]bool{
	"pr:opened": true, "pr:from_ref_updated": true, "pr:modified": true, "pr:merged": true,
	"pr:declined": true, "pr:comment:added": true,
}

func (dcFormat) pullRequestBody(s *Server, repo bitbucket.RepoRef, key string, pr PullRequest, now time.Time) ([]byte, error) {
	if !dcPullRequestKeys[key] {
		return nil, fmt.Errorf("bitbuckettest: %w: pull-request event %q on Data Center", bitbucket.ErrInvalidInput, key)
	}
	actor, err := s.actorLocked(pr.Actor)
	if err != nil {
		return nil, err
	}
	author := actor
	if pr.Author != "" {
		if author, err = s.actorLocked(pr.Author); err != nil {
			return nil, err
		}
	}
	r := s.repos[repo]
	rj := s.dcRepoLocked(r)
	toBranch := pr.ToBranch
	if toBranch == "" {
		toBranch = r.DefaultBranch
	}
	created, updated := pr.CreatedAt, pr.UpdatedAt
	if created.IsZero() {
		created = now.Add(-time.Hour)
	}
	if updated.IsZero() {
		updated = now
	}
	state, closed := "OPEN", false
	switch key {
	case "pr:merged":
		state, closed = "MERGED", true
	case "pr:declined":
		state, closed = "DECLINED", true
	}
	id := max(pr.ID, 1)
	p := map[string]any{
		"id": id, "version": 1, "title": pr.Title, "description": pr.Description,
		"state": state, "open": !closed, "closed": closed, "draft": pr.Draft, "locked": false,
		"createdDate": created.UnixMilli(), "updatedDate": updated.UnixMilli(),
		"fromRef": dcPRRefJSON{ID: "refs/heads/" + pr.FromBranch, DisplayID: pr.FromBranch,
			LatestCommit: pr.FromCommit, Type: "BRANCH", Repository: rj},
		"toRef": dcPRRefJSON{ID: "refs/heads/" + toBranch, DisplayID: toBranch,
			LatestCommit: pr.ToCommit, Type: "BRANCH", Repository: rj},
		"author":       dcParticipantJSON{User: dcUser(author), Role: "AUTHOR", Status: "UNAPPROVED"},
		"reviewers":    []dcParticipantJSON{},
		"participants": []dcParticipantJSON{},
		"links": map[string]any{"self": []dcLink{{Href: strings.TrimSuffix(rj.Links.Self[0].Href, "/browse") +
			"/pull-requests/" + itoa(id)}}},
	}
	if closed {
		p["closedDate"] = updated.UnixMilli()
	}
	payload := map[string]any{
		"eventKey":    key,
		"date":        now.In(dcDeliveryZone).Format(dcDateLayout),
		"actor":       dcUser(actor),
		"pullRequest": p,
	}
	switch key {
	case "pr:from_ref_updated":
		payload["previousFromHash"] = pr.PreviousFromHash
	case "pr:modified":
		payload["previousTitle"] = pr.PreviousTitle
		payload["previousDescription"] = pr.PreviousDescription
		payload["previousTarget"] = map[string]any{"id": "refs/heads/" + toBranch, "displayId": toBranch,
			"type": "BRANCH", "latestCommit": pr.ToCommit}
	case "pr:comment:added":
		payload["comment"] = map[string]any{"id": 1, "version": 0, "text": pr.Comment, "author": dcUser(actor),
			"createdDate": now.UnixMilli(), "updatedDate": now.UnixMilli()}
	}
	return json.Marshal(payload)
}

func (dcFormat) pingBody(_ *Server, _ bitbucket.RepoRef, now time.Time) ([]byte, error) {
	return json.Marshal(map[string]any{"test": true, "date": now.In(dcDeliveryZone).Format(dcDateLayout)})
}
