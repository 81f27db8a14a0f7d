package webhooks

import (
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

// Bitbucket Data Center payloads (reference §2.6). Only the members the neutral model uses are
// decoded (the JSON names are given beside each field); the rest of the body is validated and
// skipped, and stays available in Event.Raw.

type serverPayload struct {
	Date            time.Time      // date: "2026-01-02T15:04:05+0100"
	Actor           serverUser     // actor
	Repository      serverRepo     // repository
	Changes         []serverChange // changes (repo:refs_changed); nil when absent
	Commits         []serverCommit // commits (newer servers only)
	PullRequest     *serverPR      // pullRequest
	Comment         *serverComment // comment
	CommentParentID int64          // commentParentId
}

type serverUser struct {
	ID          string // id: a number (a string is accepted too)
	Name        string // name
	Slug        string // slug
	DisplayName string // displayName
	Email       string // emailAddress
}

type serverRepo struct {
	Slug       string // slug
	ProjectKey string // project.key
}

type serverChange struct {
	RefID        string // ref.id, or refId
	RefDisplayID string // ref.displayId
	RefType      string // ref.type: BRANCH | TAG
	FromHash     string // fromHash
	ToHash       string // toHash
	Type         string // type: ADD | UPDATE | DELETE
}

type serverCommit struct {
	ID              string     // id
	Message         string     // message
	Author          serverUser // author
	AuthorTimestamp time.Time  // authorTimestamp: epoch ms
}

type serverPR struct {
	ID          int         // id
	Title       string      // title
	State       string      // state
	Draft       bool        // draft
	FromRef     serverPRRef // fromRef
	ToRef       serverPRRef // toRef
	Author      serverUser  // author.user
	Self        string      // links.self[0].href
	CreatedDate time.Time   // createdDate: epoch ms; ISO strings on some newer servers
	UpdatedDate time.Time   // updatedDate
}

type serverPRRef struct {
	ID           string     // id
	DisplayID    string     // displayId
	LatestCommit string     // latestCommit
	Repository   serverRepo // repository
}

type serverComment struct {
	ID          int64      // id
	Text        string     // text
	Author      serverUser // author
	CreatedDate time.Time  // createdDate
}

// decodeServer reads a Data Center payload; its errors wrap ErrMalformedPayload.
func decodeServer(doc string, w *serverPayload) error {
	d := jsonwalk.NewDecoder(doc)
	return malformed(d, w.decode(d))
}

func (w *serverPayload) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "date":
			return readTime(d, &w.Date)
		case "actor":
			return w.Actor.decode(d)
		case "repository":
			return w.Repository.decode(d)
		case "changes":
			if d.Null() {
				return nil
			}
			w.Changes = []serverChange{} // present, if empty: the delivery is a push
			return readList(d, &w.Changes, func(e *serverChange) error { return e.decode(d) })
		case "commits":
			return readList(d, &w.Commits, func(e *serverCommit) error { return e.decode(d) })
		case "pullRequest":
			if d.Null() {
				return nil
			}
			w.PullRequest = new(serverPR)
			return w.PullRequest.decode(d)
		case "comment":
			if d.Null() {
				return nil
			}
			w.Comment = new(serverComment)
			return w.Comment.decode(d)
		case "commentParentId":
			return readInt64(d, &w.CommentParentID)
		}
		return nil
	})
}

func (u *serverUser) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "id":
			return readID(d, &u.ID)
		case "name":
			return readString(d, &u.Name)
		case "slug":
			return readString(d, &u.Slug)
		case "displayName":
			return readString(d, &u.DisplayName)
		case "emailAddress":
			return readString(d, &u.Email)
		}
		return nil
	})
}

func (r *serverRepo) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "slug":
			return readString(d, &r.Slug)
		case "project":
			return readStringIn(d, "key", &r.ProjectKey)
		}
		return nil
	})
}

func (c *serverChange) decode(d *decoder) error {
	refID := ""
	err := d.Object(func(key string) error {
		switch key {
		case "ref":
			return c.decodeRef(d)
		case "refId":
			return readString(d, &refID)
		case "fromHash":
			return readString(d, &c.FromHash)
		case "toHash":
			return readString(d, &c.ToHash)
		case "type":
			return readString(d, &c.Type)
		}
		return nil
	})
	if c.RefID == "" {
		c.RefID = refID
	}
	return err
}

// decodeRef reads the change's ref object.
func (c *serverChange) decodeRef(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "id":
			return readString(d, &c.RefID)
		case "displayId":
			return readString(d, &c.RefDisplayID)
		case "type":
			return readString(d, &c.RefType)
		}
		return nil
	})
}

func (c *serverCommit) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "id":
			return readString(d, &c.ID)
		case "message":
			return readString(d, &c.Message)
		case "author":
			return c.Author.decode(d)
		case "authorTimestamp":
			return readTime(d, &c.AuthorTimestamp)
		}
		return nil
	})
}

func (p *serverPR) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "id":
			return readInt(d, &p.ID)
		case "title":
			return readString(d, &p.Title)
		case "state":
			return readString(d, &p.State)
		case "draft":
			return jsonwalk.ReadBool(d, &p.Draft)
		case "fromRef":
			return p.FromRef.decode(d)
		case "toRef":
			return p.ToRef.decode(d)
		case "author":
			return p.Author.decodeParticipant(d)
		case "links":
			return readFirstHref(d, "self", &p.Self)
		case "createdDate":
			return readTime(d, &p.CreatedDate)
		case "updatedDate":
			return readTime(d, &p.UpdatedDate)
		}
		return nil
	})
}

// decodeParticipant reads a participant object ({user, role, approved, status}) into its user.
func (u *serverUser) decodeParticipant(d *decoder) error {
	return d.Object(func(key string) error {
		if key == "user" {
			return u.decode(d)
		}
		return nil
	})
}

func (r *serverPRRef) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "id":
			return readString(d, &r.ID)
		case "displayId":
			return readString(d, &r.DisplayID)
		case "latestCommit":
			return readString(d, &r.LatestCommit)
		case "repository":
			return r.Repository.decode(d)
		}
		return nil
	})
}

func (c *serverComment) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "id":
			return readInt64(d, &c.ID)
		case "text":
			return readString(d, &c.Text)
		case "author":
			return c.Author.decode(d)
		case "createdDate":
			return readTime(d, &c.CreatedDate)
		}
		return nil
	})
}

// fill copies the decoded payload into ev.
func (w *serverPayload) fill(ev *Event) {
	ev.Time = w.Date
	ev.Actor = w.Actor.user()
	ev.Repo = w.Repository.ref()
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
			Time:     c.CreatedDate,
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
	return bitbucket.User{ID: u.ID, Username: username, DisplayName: display, Email: u.Email}
}

func (r *serverRepo) ref() bitbucket.RepoRef {
	if r.Slug == "" || r.ProjectKey == "" {
		return bitbucket.RepoRef{}
	}
	return bitbucket.RepoRef{Namespace: r.ProjectKey, Slug: r.Slug}
}

func (w *serverPayload) push() *Push {
	push := &Push{Changes: make([]RefChange, 0, len(w.Changes))}
	for i := range w.Changes {
		c := &w.Changes[i]
		full := c.RefID
		name := c.RefDisplayID
		if name == "" {
			name = shortRef(full)
		}
		rc := RefChange{
			Name: name,
			Kind: refKind(c.RefType, full),
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
			commits[j] = Commit{Hash: c.ID, Message: c.Message, Author: c.Author.user(), Time: c.AuthorTimestamp}
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
		Author:      p.Author.user(),
		URL:         p.Self,
		CreatedAt:   p.CreatedDate,
		UpdatedAt:   p.UpdatedDate,
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
