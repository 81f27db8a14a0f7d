package webhooks

import (
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/wiretime"
)

// Bitbucket Cloud payloads (reference §1.7). The wire structs name only the members the neutral
// model uses; the rest of the body is checked for syntax, skipped, and stays in Event.Raw.

type cloudPayload struct {
	Actor       cloudUser     `json:"actor"`
	Repository  cloudRepo     `json:"repository"`
	Push        *cloudPush    `json:"push"`
	PullRequest *cloudPR      `json:"pullrequest"`
	Comment     *cloudComment `json:"comment"`
}

type cloudUser struct {
	UUID        string `json:"uuid"`
	Nickname    string `json:"nickname"`
	Username    string `json:"username"` // legacy, before nickname
	DisplayName string `json:"display_name"`
}

type cloudRepo struct {
	FullName string `json:"full_name"` // "workspace/slug"; Cloud repositories have no slug member
}

type cloudPush struct {
	Changes []cloudChange `json:"changes"`
}

type cloudChange struct {
	Old     cloudRefState `json:"old"` // null when the ref was created
	New     cloudRefState `json:"new"` // null when the ref was deleted
	Created bool          `json:"created"`
	Closed  bool          `json:"closed"`
	Forced  bool          `json:"forced"`
	Commits []cloudCommit `json:"commits"`
}

type cloudRefState struct {
	Type   string      `json:"type"` // branch | tag
	Name   string      `json:"name"`
	Target cloudTarget `json:"target"`
}

type cloudTarget struct {
	Hash string `json:"hash"`
}

func (s *cloudRefState) present() bool { return s.Name != "" || s.Target.Hash != "" }

type cloudCommit struct {
	Hash    string        `json:"hash"`
	Message string        `json:"message"`
	Date    wiretime.Time `json:"date"`
	Author  cloudAuthor   `json:"author"`
}

type cloudAuthor struct {
	Raw  string    `json:"raw"` // "Name <email>"
	User cloudUser `json:"user"`
}

type cloudPR struct {
	ID          int           `json:"id"`
	Title       string        `json:"title"`
	State       string        `json:"state"`
	Draft       bool          `json:"draft"`
	Author      cloudUser     `json:"author"`
	Source      cloudPRRef    `json:"source"`
	Destination cloudPRRef    `json:"destination"`
	Links       cloudLinks    `json:"links"`
	CreatedOn   wiretime.Time `json:"created_on"`
	UpdatedOn   wiretime.Time `json:"updated_on"`
}

// cloudLinks is a Cloud links object; only the web page is read.
type cloudLinks struct {
	HTML struct {
		Href string `json:"href"`
	} `json:"html"`
}

type cloudPRRef struct {
	Branch struct {
		Name string `json:"name"`
	} `json:"branch"`
	Commit     cloudTarget `json:"commit"`
	Repository cloudRepo   `json:"repository"`
}

type cloudComment struct {
	ID      int64 `json:"id"`
	Content struct {
		Raw string `json:"raw"`
	} `json:"content"`
	User      cloudUser     `json:"user"`
	Links     cloudLinks    `json:"links"`
	CreatedOn wiretime.Time `json:"created_on"`
	Parent    struct {
		ID int64 `json:"id"`
	} `json:"parent"`
}

// decodeCloud decodes a Cloud payload and fills ev from it; on error ev is left as it was, and
// the error wraps ErrMalformedPayload.
func decodeCloud(ev *Event, body []byte) error {
	var w cloudPayload
	if err := unmarshalPayload(ev.Key, body, &w); err != nil {
		return err
	}
	w.fill(ev)
	return nil
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
			Text:     c.Content.Raw,
			ParentID: c.Parent.ID,
			Author:   c.User.user(),
			URL:      c.Links.HTML.Href,
			Time:     c.CreatedOn.Time,
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
			Old:     c.Old.Target.Hash,
			New:     c.New.Target.Hash,
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
				rc.Commits[j] = Commit{Hash: cc.Hash, Message: cc.Message, Author: cc.Author.user(), Time: cc.Date.Time}
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
		URL:         p.Links.HTML.Href,
		State:       prState(p.State),
		Draft:       p.Draft,
		Source:      p.Source.neutral(),
		Destination: p.Destination.neutral(),
		Author:      p.Author.user(),
		CreatedAt:   p.CreatedOn.Time,
		UpdatedAt:   p.UpdatedOn.Time,
	}
}

func (r *cloudPRRef) neutral() PullRequestRef {
	return PullRequestRef{Branch: r.Branch.Name, Commit: r.Commit.Hash, Repo: r.Repository.ref()}
}
