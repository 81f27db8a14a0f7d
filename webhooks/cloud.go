package webhooks

import (
	"strings"
	"time"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

// Bitbucket Cloud payloads (reference §1.7). Only the members the neutral model uses are decoded
// (the JSON names are given beside each field); the rest of the body is validated and skipped, and
// stays available in Event.Raw.

type cloudPayload struct {
	Actor       cloudUser     // actor
	Repository  cloudRepo     // repository
	Push        *cloudPush    // push
	PullRequest *cloudPR      // pullrequest
	Comment     *cloudComment // comment
}

type cloudUser struct {
	UUID        string // uuid
	Nickname    string // nickname
	Username    string // username (legacy, before nickname)
	DisplayName string // display_name
}

type cloudRepo struct {
	FullName string // full_name: "workspace/slug"; Cloud repositories have no slug field
}

type cloudPush struct {
	Changes []cloudChange // changes
}

type cloudChange struct {
	Old     cloudRefState // old: null when the ref was created
	New     cloudRefState // new: null when the ref was deleted
	Created bool          // created
	Closed  bool          // closed
	Forced  bool          // forced
	Commits []cloudCommit // commits
}

type cloudRefState struct {
	Type string // type: branch | tag
	Name string // name
	Hash string // target.hash
}

func (s *cloudRefState) present() bool { return s.Name != "" || s.Hash != "" }

type cloudCommit struct {
	Hash    string      // hash
	Message string      // message
	Date    time.Time   // date
	Author  cloudAuthor // author
}

type cloudAuthor struct {
	Raw  string    // raw: "Name <email>"
	User cloudUser // user
}

type cloudPR struct {
	ID          int        // id
	Title       string     // title
	State       string     // state
	Draft       bool       // draft
	Author      cloudUser  // author
	Source      cloudPRRef // source
	Destination cloudPRRef // destination
	HTML        string     // links.html.href
	CreatedOn   time.Time  // created_on
	UpdatedOn   time.Time  // updated_on
}

type cloudPRRef struct {
	Branch     string    // branch.name
	Commit     string    // commit.hash
	Repository cloudRepo // repository
}

type cloudComment struct {
	ID        int64     // id
	Raw       string    // content.raw
	User      cloudUser // user
	HTML      string    // links.html.href
	CreatedOn time.Time // created_on
	ParentID  int64     // parent.id
}

// decodeCloud reads a Cloud payload; its errors wrap ErrMalformedPayload.
func decodeCloud(doc string, w *cloudPayload) error {
	d := jsonwalk.NewDecoder(doc)
	return malformed(d, w.decode(d))
}

func (w *cloudPayload) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "actor":
			return w.Actor.decode(d)
		case "repository":
			return w.Repository.decode(d)
		case "push":
			if d.Null() {
				return nil
			}
			w.Push = new(cloudPush)
			return w.Push.decode(d)
		case "pullrequest":
			if d.Null() {
				return nil
			}
			w.PullRequest = new(cloudPR)
			return w.PullRequest.decode(d)
		case "comment":
			if d.Null() {
				return nil
			}
			w.Comment = new(cloudComment)
			return w.Comment.decode(d)
		}
		return nil
	})
}

func (u *cloudUser) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "uuid":
			return readString(d, &u.UUID)
		case "nickname":
			return readString(d, &u.Nickname)
		case "username":
			return readString(d, &u.Username)
		case "display_name":
			return readString(d, &u.DisplayName)
		}
		return nil
	})
}

func (r *cloudRepo) decode(d *decoder) error {
	return readStringIn(d, "full_name", &r.FullName)
}

func (p *cloudPush) decode(d *decoder) error {
	return d.Object(func(key string) error {
		if key == "changes" {
			return readList(d, &p.Changes, func(e *cloudChange) error { return e.decode(d) })
		}
		return nil
	})
}

func (c *cloudChange) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "old":
			return c.Old.decode(d)
		case "new":
			return c.New.decode(d)
		case "created":
			return jsonwalk.ReadBool(d, &c.Created)
		case "closed":
			return jsonwalk.ReadBool(d, &c.Closed)
		case "forced":
			return jsonwalk.ReadBool(d, &c.Forced)
		case "commits":
			return readList(d, &c.Commits, func(e *cloudCommit) error { return e.decode(d) })
		}
		return nil
	})
}

func (r *cloudRefState) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "type":
			return readString(d, &r.Type)
		case "name":
			return readString(d, &r.Name)
		case "target":
			return readStringIn(d, "hash", &r.Hash)
		}
		return nil
	})
}

func (c *cloudCommit) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "hash":
			return readString(d, &c.Hash)
		case "message":
			return readString(d, &c.Message)
		case "date":
			return readTime(d, &c.Date)
		case "author":
			return c.Author.decode(d)
		}
		return nil
	})
}

func (a *cloudAuthor) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "raw":
			return readString(d, &a.Raw)
		case "user":
			return a.User.decode(d)
		}
		return nil
	})
}

func (p *cloudPR) decode(d *decoder) error {
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
		case "author":
			return p.Author.decode(d)
		case "source":
			return p.Source.decode(d)
		case "destination":
			return p.Destination.decode(d)
		case "links":
			return readHref(d, "html", &p.HTML)
		case "created_on":
			return readTime(d, &p.CreatedOn)
		case "updated_on":
			return readTime(d, &p.UpdatedOn)
		}
		return nil
	})
}

func (r *cloudPRRef) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "branch":
			return readStringIn(d, "name", &r.Branch)
		case "commit":
			return readStringIn(d, "hash", &r.Commit)
		case "repository":
			return r.Repository.decode(d)
		}
		return nil
	})
}

func (c *cloudComment) decode(d *decoder) error {
	return d.Object(func(key string) error {
		switch key {
		case "id":
			return readInt64(d, &c.ID)
		case "content":
			return readStringIn(d, "raw", &c.Raw)
		case "user":
			return c.User.decode(d)
		case "links":
			return readHref(d, "html", &c.HTML)
		case "created_on":
			return readTime(d, &c.CreatedOn)
		case "parent":
			return readInt64In(d, "id", &c.ParentID)
		}
		return nil
	})
}

// fill copies the decoded payload into ev.
func (w *cloudPayload) fill(ev *Event) {
	ev.Actor = w.Actor.user()
	ev.Repo = w.Repository.ref()
	if w.Push != nil {
		ev.Push = w.Push.neutral()
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
			Text:     c.Raw,
			ParentID: c.ParentID,
			Author:   c.User.user(),
			URL:      c.HTML,
			Time:     c.CreatedOn,
		}
	}
}

func (u *cloudUser) user() bitbucket.User {
	name := u.Nickname
	if name == "" {
		name = u.Username
	}
	return bitbucket.User{ID: u.UUID, Username: name, DisplayName: u.DisplayName}
}

func (r *cloudRepo) ref() bitbucket.RepoRef {
	ns, slug, ok := strings.Cut(r.FullName, "/")
	if !ok || ns == "" || slug == "" {
		return bitbucket.RepoRef{}
	}
	return bitbucket.RepoRef{Namespace: ns, Slug: slug}
}

func (p *cloudPush) neutral() *Push {
	push := &Push{Changes: make([]RefChange, 0, len(p.Changes))}
	for i := range p.Changes {
		c := &p.Changes[i]
		ref := &c.New
		if !ref.present() {
			ref = &c.Old
		}
		rc := RefChange{
			Name:    shortRef(ref.Name),
			Kind:    refKind(ref.Type, ref.Name),
			Old:     c.Old.Hash,
			New:     c.New.Hash,
			Created: c.Created || (!c.Old.present() && c.New.present()),
			Deleted: c.Closed || (!c.New.present() && c.Old.present()),
			Forced:  c.Forced,
		}
		if rc.Created {
			rc.Old = ""
		}
		if rc.Deleted {
			rc.New = ""
		}
		if len(c.Commits) > 0 {
			rc.Commits = make([]Commit, len(c.Commits))
			for j := range c.Commits {
				cc := &c.Commits[j]
				rc.Commits[j] = Commit{Hash: cc.Hash, Message: cc.Message, Author: cc.Author.user(), Time: cc.Date}
			}
		}
		push.Changes = append(push.Changes, rc)
	}
	return push
}

// user is the Bitbucket account when the author is linked to one, with the name and e-mail of the
// git identity filling what the account does not give.
func (a *cloudAuthor) user() bitbucket.User {
	u := a.User.user()
	name, email := splitPerson(a.Raw)
	if u.DisplayName == "" {
		u.DisplayName = name
	}
	u.Email = email
	return u
}

func (p *cloudPR) neutral() *PullRequest {
	return &PullRequest{
		ID:          p.ID,
		Title:       p.Title,
		URL:         p.HTML,
		State:       prState(p.State),
		Draft:       p.Draft,
		Source:      p.Source.neutral(),
		Destination: p.Destination.neutral(),
		Author:      p.Author.user(),
		CreatedAt:   p.CreatedOn,
		UpdatedAt:   p.UpdatedOn,
	}
}

func (r *cloudPRRef) neutral() PullRequestRef {
	return PullRequestRef{Branch: r.Branch, Commit: r.Commit, Repo: r.Repository.ref()}
}
