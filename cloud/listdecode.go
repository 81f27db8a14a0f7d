package cloud

import (
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

// repoListPage is a page of GET /repositories/{workspace} decoded straight into neutral
// repositories, in one pass over the bytes. It gives the same result as decoding a
// wireRepositoryPage and converting each value with toRepository, at two allocations a
// repository (its record and one string holding all its text) where the reflective decoder makes
// one for every string, link and nested object.
type repoListPage struct {
	items   []*bitbucket.Repository
	next    string
	d       jsonwalk.Decoder[[]byte]
	scratch []byte // reused for each repository's text
}

// span is a piece of a repository's text in scratch; set is false when the field was absent.
type span struct {
	from, to int
	set      bool
}

func (s span) of(text string) string {
	if !s.set {
		return ""
	}
	return text[s.from:s.to]
}

// repoSpans are the fields of one repository, as spans of its text.
type repoSpans struct {
	uuid, fullName, name, description, branch, project, html, https, ssh, updated span
	private                                                                       bool
}

// UnmarshalJSON decodes a page; encoding/json has validated data before calling it.
func (p *repoListPage) UnmarshalJSON(data []byte) error {
	d := &p.d
	d.Reset(data)
	err := d.Object(func(key []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "next"):
			b, ok, err := d.AppendString(nil)
			if ok {
				p.next = string(b)
			}
			return err
		case jsonwalk.KeyIs(key, "values"):
			p.items = p.items[:0]
			if d.Null() {
				p.items = nil
				return nil
			}
			return d.Array(func() error {
				r, err := p.repository()
				if err == nil {
					p.items = append(p.items, r)
				}
				return err
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return d.End()
}

// str reads a string into scratch and records where it went; null leaves the field as it was.
func (p *repoListPage) str(dst *span) error {
	from := len(p.scratch)
	b, ok, err := p.d.AppendString(p.scratch)
	if err != nil || !ok {
		return err
	}
	p.scratch = b
	*dst = span{from: from, to: len(b), set: true}
	return nil
}

// repository decodes one repository object, as toRepository would convert it; null is a
// repository with every field empty, as the reflective decoder makes it.
func (p *repoListPage) repository() (*bitbucket.Repository, error) {
	d := &p.d
	p.scratch = p.scratch[:0]
	var s repoSpans
	err := d.Object(func(key []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "uuid"):
			return p.str(&s.uuid)
		case jsonwalk.KeyIs(key, "full_name"):
			return p.str(&s.fullName)
		case jsonwalk.KeyIs(key, "name"):
			return p.str(&s.name)
		case jsonwalk.KeyIs(key, "description"):
			return p.str(&s.description)
		case jsonwalk.KeyIs(key, "updated_on"):
			return p.str(&s.updated)
		case jsonwalk.KeyIs(key, "is_private"):
			b, ok, err := d.Bool()
			if ok {
				s.private = b
			}
			return err
		case jsonwalk.KeyIs(key, "mainbranch"):
			if d.Null() {
				s.branch = span{}
				return nil
			}
			return p.member("name", &s.branch)
		case jsonwalk.KeyIs(key, "project"):
			if d.Null() {
				s.project = span{}
				return nil
			}
			return p.member("key", &s.project)
		case jsonwalk.KeyIs(key, "links"):
			return p.links(&s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	text := string(p.scratch)
	ns, slug, _ := strings.Cut(s.fullName.of(text), "/")
	return &bitbucket.Repository{
		Ref:           bitbucket.RepoRef{Namespace: ns, Slug: slug},
		ID:            s.uuid.of(text),
		Name:          s.name.of(text),
		Description:   s.description.of(text),
		Private:       s.private,
		DefaultBranch: s.branch.of(text),
		Project:       s.project.of(text),
		WebURL:        s.html.of(text),
		CloneHTTP:     s.https.of(text),
		CloneSSH:      s.ssh.of(text),
		UpdatedAt:     parseTime(s.updated.of(text)),
	}, nil
}

// member reads the string member name of an object into dst.
func (p *repoListPage) member(name string, dst *span) error {
	return p.d.Object(func(k []byte) error {
		if jsonwalk.KeyIs(k, name) {
			return p.str(dst)
		}
		return nil
	})
}

// links reads links.html.href and the https and ssh clone links.
func (p *repoListPage) links(s *repoSpans) error {
	d := &p.d
	return d.Object(func(k []byte) error {
		switch {
		case jsonwalk.KeyIs(k, "html"):
			return p.member("href", &s.html)
		case jsonwalk.KeyIs(k, "clone"):
			var https, ssh span
			err := d.Array(func() error {
				var href span
				var isHTTPS, isSSH bool
				err := d.Object(func(k []byte) error {
					switch {
					case jsonwalk.KeyIs(k, "href"):
						return p.str(&href)
					case jsonwalk.KeyIs(k, "name"):
						var buf [8]byte
						b, ok, err := d.AppendString(buf[:0])
						if err != nil || !ok {
							return err // null leaves the name as it was
						}
						isHTTPS = strings.EqualFold(string(b), "https")
						isSSH = strings.EqualFold(string(b), "ssh")
					}
					return nil
				})
				switch {
				case isHTTPS:
					https = href
				case isSSH:
					ssh = href
				}
				return err
			})
			s.https, s.ssh = https, ssh
			return err
		}
		return nil
	})
}
