package bitbuckettest

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
)

func init() { deliveryFormats[bitbucket.Cloud] = cloudFormat{} }

// cloudFormat builds Bitbucket Cloud webhook deliveries (reference §1.7). X-Hook-UUID carries the
// hook's UUID without braces, as Cloud sends it; the API shows the same UUID with braces.
type cloudFormat struct{}

// attempts: Cloud resends a delivery answered with 5xx twice more, at once (reference §5).
func (cloudFormat) attempts() int { return 3 }

// breaker: Cloud documents no circuit breaker.
func (cloudFormat) breaker() bool { return false }

func (cloudFormat) headers(key, id string, attempt int, h *hook) http.Header {
	return http.Header{
		"Content-Type":     {"application/json"},
		"X-Event-Key":      {key},
		"X-Hook-Uuid":      {strings.Trim(h.id, "{}")},
		"X-Request-Uuid":   {id},
		"X-Attempt-Number": {itoa(attempt)},
		"User-Agent":       {"Bitbucket-Webhooks/2.0"},
	}
}

// fakeHash returns hash, or a stable 40-digit stand-in when it is empty.
func fakeHash(hash string, parts ...string) string {
	if hash != "" {
		return hash
	}
	sum := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

func (s *Server) cloudCommitJSON(r *repository, hash, message string, actor *user, when time.Time, parents ...string) map[string]any {
	web := s.Origin() + "/" + esc(r.Namespace) + "/" + esc(r.Slug)
	ps := []any{}
	for _, p := range parents {
		ps = append(ps, map[string]any{"type": "commit", "hash": p,
			"links": map[string]any{"html": link(web + "/commits/" + p)}})
	}
	return map[string]any{
		"type":    "commit",
		"hash":    hash,
		"date":    cloudTime(when),
		"message": message,
		"author":  map[string]any{"type": "author", "raw": actor.DisplayName + " <" + actor.Email + ">", "user": s.userJSON(actor)},
		"parents": ps,
		"links": map[string]any{
			"self": link(s.URL() + "/repositories/" + esc(r.Namespace) + "/" + esc(r.Slug) + "/commit/" + hash),
			"html": link(web + "/commits/" + hash),
		},
	}
}

func (cloudFormat) pushBody(s *Server, repo bitbucket.RepoRef, p PushEvent, now time.Time) (string, []byte, error) {
	actor, err := s.actorLocked(p.Actor)
	if err != nil {
		return "", nil, err
	}
	if len(p.Changes) == 0 {
		return "", nil, fmt.Errorf("bitbuckettest: %w: a push needs at least one change", bitbucket.ErrInvalidInput)
	}
	r := s.repos[repo]
	web := s.Origin() + "/" + esc(r.Namespace) + "/" + esc(r.Slug)
	changes := make([]any, 0, len(p.Changes))
	for _, ch := range p.Changes {
		kind, short := "branch", strings.TrimPrefix(ch.Ref, "refs/heads/")
		if strings.HasPrefix(ch.Ref, "refs/tags/") {
			kind, short = "tag", strings.TrimPrefix(ch.Ref, "refs/tags/")
		} else if !strings.HasPrefix(ch.Ref, "refs/heads/") {
			return "", nil, fmt.Errorf("bitbuckettest: %w: ref %q is not a full branch or tag name", bitbucket.ErrInvalidInput, ch.Ref)
		}
		from := fakeHash(ch.FromHash, repo.String(), ch.Ref, "from")
		to := fakeHash(ch.ToHash, repo.String(), ch.Ref, "to")
		state := func(hash string) map[string]any {
			refLinks := map[string]any{"html": link(web + "/branch/" + short), "commits": link(web + "/commits/" + short)}
			if kind == "tag" {
				refLinks["html"] = link(web + "/commits/tag/" + short)
			}
			return map[string]any{"type": kind, "name": short,
				"target": s.cloudCommitJSON(r, hash, "Commit "+hash[:min(7, len(hash))]+"\n", actor, now.Add(-time.Minute)),
				"links":  refLinks}
		}
		c := map[string]any{"old": nil, "new": nil, "created": false, "closed": false, "forced": false,
			"truncated": false, "commits": []any{}}
		switch ch.Type {
		case "ADD":
			c["new"], c["created"] = state(to), true
			c["commits"] = []any{s.cloudCommitJSON(r, to, "Commit "+to[:min(7, len(to))]+"\n", actor, now.Add(-time.Minute))}
			c["links"] = map[string]any{"html": link(web + "/branch/" + short), "commits": link(web + "/commits?include=" + to)}
		case "UPDATE":
			c["old"], c["new"] = state(from), state(to)
			c["commits"] = []any{s.cloudCommitJSON(r, to, "Commit "+to[:min(7, len(to))]+"\n", actor, now.Add(-time.Minute), from)}
			c["links"] = map[string]any{"html": link(web + "/branches/compare/" + to + ".." + from),
				"diff":    link(s.URL() + "/repositories/" + esc(r.Namespace) + "/" + esc(r.Slug) + "/diff/" + to + ".." + from),
				"commits": link(web + "/commits?include=" + to + "&exclude=" + from)}
		case "DELETE":
			c["old"], c["closed"] = state(from), true
			c["links"] = map[string]any{"commits": link(web + "/commits?exclude=" + from)}
		default:
			return "", nil, fmt.Errorf("bitbuckettest: %w: change type %q: want ADD, UPDATE or DELETE",
				bitbucket.ErrInvalidInput, ch.Type)
		}
		changes = append(changes, c)
	}
	body, err := json.Marshal(map[string]any{
		"actor":      s.userJSON(actor),
		"repository": s.payloadRepoJSON(r),
		"push":       map[string]any{"changes": changes},
	})
	return "repo:push", body, err
}

// payloadRepoJSON is the repository object of a delivery: the API's, without the clone links.
func (s *Server) payloadRepoJSON(r *repository) map[string]any {
	j := s.repoJSON(r)
	if l, ok := j["links"].(map[string]any); ok {
		delete(l, "clone")
		delete(l, "hooks")
	}
	return j
}

// cloudPullRequestState is the pull request's state after each event.
func cloudPullRequestState(key string) string {
	switch key {
	case "pullrequest:fulfilled":
		return "MERGED"
	case "pullrequest:rejected":
		return "DECLINED"
	}
	return "OPEN"
}

func (cloudFormat) pullRequestBody(s *Server, repo bitbucket.RepoRef, key string, pr PullRequest, now time.Time) ([]byte, error) {
	if !strings.HasPrefix(key, "pullrequest:") || !slices.Contains(cloudHookEvents, key) {
		return nil, fmt.Errorf("bitbuckettest: %w: pull-request event %q on Cloud", bitbucket.ErrInvalidInput, key)
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
	toBranch := pr.ToBranch
	if toBranch == "" {
		toBranch = r.DefaultBranch
	}
	fromBranch := pr.FromBranch
	if fromBranch == "" {
		fromBranch = "feature"
	}
	created, updated := pr.CreatedAt, pr.UpdatedAt
	if created.IsZero() {
		created = now.Add(-time.Hour)
	}
	if updated.IsZero() {
		updated = now
	}
	id := max(pr.ID, 1)
	short := func(h string) string { return h[:min(12, len(h))] }
	fromCommit := fakeHash(pr.FromCommit, repo.String(), fromBranch, itoa(id))
	toCommit := fakeHash(pr.ToCommit, repo.String(), toBranch, itoa(id))
	web := s.Origin() + "/" + esc(r.Namespace) + "/" + esc(r.Slug) + "/pull-requests/" + itoa(id)
	api := s.URL() + "/repositories/" + esc(r.Namespace) + "/" + esc(r.Slug) + "/pullrequests/" + itoa(id)
	state := cloudPullRequestState(key)
	endpoint := func(branch, hash string) map[string]any {
		return map[string]any{
			"branch":     map[string]any{"name": branch},
			"commit":     map[string]any{"type": "commit", "hash": short(hash)},
			"repository": s.repoShortJSON(r),
		}
	}
	p := map[string]any{
		"type":                "pullrequest",
		"id":                  id,
		"title":               pr.Title,
		"description":         pr.Description,
		"state":               state,
		"draft":               pr.Draft,
		"author":              s.userJSON(author),
		"source":              endpoint(fromBranch, fromCommit),
		"destination":         endpoint(toBranch, toCommit),
		"merge_commit":        nil,
		"close_source_branch": false,
		"closed_by":           nil,
		"reason":              "",
		"reviewers":           []any{},
		"participants":        []any{},
		"comment_count":       0,
		"task_count":          0,
		"created_on":          cloudTime(created),
		"updated_on":          cloudTime(updated),
		"links": map[string]any{
			"self": link(api),
			"html": link(web),
		},
	}
	if state != "OPEN" {
		p["closed_by"] = s.userJSON(actor)
	}
	if state == "MERGED" {
		p["merge_commit"] = map[string]any{"type": "commit", "hash": short(fakeHash("", repo.String(), "merge", itoa(id)))}
	}
	payload := map[string]any{
		"actor":       s.userJSON(actor),
		"repository":  s.payloadRepoJSON(r),
		"pullrequest": p,
	}
	switch {
	case strings.HasPrefix(key, "pullrequest:comment_"):
		payload["comment"] = map[string]any{
			"type":       "pullrequest_comment",
			"id":         1,
			"content":    map[string]any{"type": "rendered", "raw": pr.Comment, "markup": "markdown", "html": "<p>" + html.EscapeString(pr.Comment) + "</p>"},
			"user":       s.userJSON(actor),
			"created_on": cloudTime(now),
			"updated_on": cloudTime(now),
			"deleted":    key == "pullrequest:comment_deleted",
			"pending":    false,
			"links":      map[string]any{"self": link(api + "/comments/1"), "html": link(web + "#comment-1")},
		}
	case key == "pullrequest:approved" || key == "pullrequest:unapproved":
		payload["approval"] = map[string]any{"date": cloudTime(now), "user": s.userJSON(actor)}
	case strings.HasPrefix(key, "pullrequest:changes_request_"):
		payload["changes_request"] = map[string]any{"date": cloudTime(now), "user": s.userJSON(actor)}
	}
	return json.Marshal(payload)
}

func (cloudFormat) pingBody(*Server, bitbucket.RepoRef, time.Time) ([]byte, error) {
	return nil, fmt.Errorf("bitbuckettest: %w: Bitbucket Cloud has no webhook ping", bitbucket.ErrNotSupported)
}
