package webhooks

import (
	"fmt"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/wiretime"
)

// Bitbucket Data Center payloads (reference §2.6). The wire structs name only the members the
// neutral model uses; the rest of the body is checked for syntax, skipped, and stays in Event.Raw.

type serverPayload struct {
	// EventKey is the body's own event key; it must agree with X-Event-Key, which is not signed.
	EventKey        string         `json:"eventKey"`
	Date            wiretime.Time  `json:"date"` // "2026-01-02T15:04:05+0100"
	Actor           serverUser     `json:"actor"`
	Repository      serverRepo     `json:"repository"`
	New             serverRepo     `json:"new"`     // repo:modified: the repository after the change (it has no repository member)
	Changes         []serverChange `json:"changes"` // repo:refs_changed; nil when absent
	Commits         []serverCommit `json:"commits"` // newer servers only
	PullRequest     *serverPR      `json:"pullRequest"`
	Comment         *serverComment `json:"comment"`
	CommentParentID int64          `json:"commentParentId"`
}

type serverUser struct {
	ID          wireID `json:"id"` // a number (a string is accepted too)
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	DisplayName string `json:"displayName"`
	Email       string `json:"emailAddress"`
}

type serverRepo struct {
	Slug    string `json:"slug"`
	Project struct {
		Key string `json:"key"`
	} `json:"project"`
}

type serverChange struct {
	Ref struct {
		ID        string `json:"id"`
		DisplayID string `json:"displayId"`
		Type      string `json:"type"` // BRANCH | TAG
	} `json:"ref"`
	RefID    string `json:"refId"` // older servers: the ref's id without the ref object
	FromHash string `json:"fromHash"`
	ToHash   string `json:"toHash"`
	Type     string `json:"type"` // ADD | UPDATE | DELETE
}

type serverCommit struct {
	ID      string     `json:"id"`
	Message string     `json:"message"`
	Author  serverUser `json:"author"`
	// AuthorTimestamp is epoch milliseconds; Data Center 10 sends an ISO 8601 string.
	AuthorTimestamp wiretime.Time `json:"authorTimestamp"`
}

type serverPR struct {
	ID      int         `json:"id"`
	Title   string      `json:"title"`
	State   string      `json:"state"`
	Draft   bool        `json:"draft"`
	FromRef serverPRRef `json:"fromRef"`
	ToRef   serverPRRef `json:"toRef"`
	Author  struct {
		User serverUser `json:"user"` // a participant: {user, role, approved, status}
	} `json:"author"`
	Links struct {
		Self []struct {
			Href string `json:"href"`
		} `json:"self"`
	} `json:"links"`
	CreatedDate wiretime.Time `json:"createdDate"` // epoch ms; ISO strings on some newer servers
	UpdatedDate wiretime.Time `json:"updatedDate"`
}

type serverPRRef struct {
	ID           string     `json:"id"`
	DisplayID    string     `json:"displayId"`
	LatestCommit string     `json:"latestCommit"`
	Repository   serverRepo `json:"repository"`
}

type serverComment struct {
	ID          int64         `json:"id"`
	Text        string        `json:"text"`
	Author      serverUser    `json:"author"`
	CreatedDate wiretime.Time `json:"createdDate"`
}

// repoModifiedKey is the Data Center event whose payload carries the repository as old and new.
const repoModifiedKey = "repo:modified"

// decodeServer decodes a Data Center payload and fills ev from it; on error ev is left as it was,
// and the error wraps ErrMalformedPayload. A body whose own eventKey differs from ev.Key is an
// errEventKeyMismatch: the header is not signed, so a signed body replayed under another key
// (pr:opened as pr:merged) is refused.
func decodeServer(ev *Event, body []byte) error {
	var w serverPayload
	if err := unmarshalPayload(ev.Key, body, &w); err != nil {
		return err
	}
	if w.EventKey != "" && w.EventKey != ev.Key {
		return fmt.Errorf("%w: %s", errEventKeyMismatch, ev.Key)
	}
	w.fill(ev)
	return nil
}

// fill copies the decoded payload into ev.
func (w *serverPayload) fill(ev *Event) {
	ev.Time = w.Date.Time
	ev.Actor = w.Actor.user()
	ev.Repo = w.Repository.ref()
	if ev.Repo == (bitbucket.RepoRef{}) && ev.Key == repoModifiedKey {
		ev.Repo = w.New.ref()
	}
	if w.Changes != nil {
		ev.Push = w.push()
	}
	if w.PullRequest != nil {
		ev.PullRequest = w.PullRequest.neutral()
		if ev.Repo == (bitbucket.RepoRef{}) {
			ev.Repo = ev.PullRequest.Destination.Repo
		}
	}
	if w.Comment != nil {
		c := w.Comment
		ev.Comment = &Comment{
			ID:       c.ID,
			Text:     c.Text,
			ParentID: w.CommentParentID,
			Author:   c.Author.user(),
			Time:     c.CreatedDate.Time,
		}
	}
}

func (u *serverUser) user() bitbucket.User {
	username := u.Slug
	if username == "" {
		username = u.Name
	}
	display := u.DisplayName
	if display == "" {
		display = u.Name
	}
	return bitbucket.User{ID: string(u.ID), Username: username, DisplayName: display, Email: u.Email}
}

func (r *serverRepo) ref() bitbucket.RepoRef {
	if r.Slug == "" || r.Project.Key == "" {
		return bitbucket.RepoRef{}
	}
	return bitbucket.RepoRef{Namespace: r.Project.Key, Slug: r.Slug}
}

func (w *serverPayload) push() *Push {
	push := &Push{Changes: make([]RefChange, 0, len(w.Changes))}
	for i := range w.Changes {
		c := &w.Changes[i]
		full := c.Ref.ID
		if full == "" {
			full = c.RefID
		}
		name := c.Ref.DisplayID
		if name == "" {
			name = shortRef(full)
		}
		rc := RefChange{
			Name: name,
			Kind: refKind(c.Ref.Type, full),
			Old:  noHash(c.FromHash),
			New:  noHash(c.ToHash),
		}
		rc.Created = c.Type == "ADD" || (rc.Old == "" && rc.New != "")
		rc.Deleted = c.Type == "DELETE" || (rc.New == "" && rc.Old != "")
		if rc.Created {
			rc.Old = ""
		}
		if rc.Deleted {
			rc.New = ""
		}
		push.Changes = append(push.Changes, rc)
	}
	// Data Center sends one commit list per push, not per ref: it belongs to the change only when
	// there is a single one.
	if len(w.Commits) > 0 && len(push.Changes) == 1 && !push.Changes[0].Deleted {
		commits := make([]Commit, len(w.Commits))
		for j := range w.Commits {
			c := &w.Commits[j]
			commits[j] = Commit{Hash: c.ID, Message: c.Message, Author: c.Author.user(), Time: c.AuthorTimestamp.Time}
		}
		push.Changes[0].Commits = commits
	}
	return push
}

func (p *serverPR) neutral() *PullRequest {
	pr := &PullRequest{
		ID:          p.ID,
		Title:       p.Title,
		State:       prState(p.State),
		Draft:       p.Draft,
		Source:      p.FromRef.neutral(),
		Destination: p.ToRef.neutral(),
		Author:      p.Author.User.user(),
		CreatedAt:   p.CreatedDate.Time,
		UpdatedAt:   p.UpdatedDate.Time,
	}
	if len(p.Links.Self) > 0 {
		pr.URL = p.Links.Self[0].Href
	}
	return pr
}

func (r *serverPRRef) neutral() PullRequestRef {
	branch := r.DisplayID
	if branch == "" {
		branch = shortRef(r.ID)
	}
	return PullRequestRef{Branch: branch, Commit: r.LatestCommit, Repo: r.Repository.ref()}
}
