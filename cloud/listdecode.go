package cloud

import (
	"strings"

	"github.com/bbconnect/bbconnect/bitbucket"
	"github.com/bbconnect/bbconnect/internal/jsonwalk"
)

// repoListPage is a page of GET /repositories/{workspace} decoded straight into neutral
// repositories. It gives the same result as decoding a wireRepositoryPage and converting each
// value with toRepository, at two allocations a repository (its record and one string holding all
// its text) where the reflective decoder makes one for every string, link and nested object.
type repoListPage struct {
	items   []*bitbucket.Repository
	next    string
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
	return jsonwalk.Object(data, func(key, val []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "next"):
			var b []byte
			b, ok, err := jsonwalk.AppendString(b, val)
			if err != nil {
				return err
			}
			if ok {
				p.next = string(b)
			}
		case jsonwalk.KeyIs(key, "values"):
			if jsonwalk.IsNull(val) {
				p.items = nil
				return nil
			}
			p.items = p.items[:0]
			return jsonwalk.Array(val, func(elem []byte) error {
				if jsonwalk.IsNull(elem) {
					p.items = append(p.items, toRepository(&wireRepository{}))
					return nil
				}
				r, err := p.repository(elem)
				if err != nil {
					return err
				}
				p.items = append(p.items, r)
				return nil
			})
		}
		return nil
	})
}

// str appends the JSON string val to scratch and records where it went; null leaves the field as
// it was.
func (p *repoListPage) str(dst *span, val []byte) error {
	from := len(p.scratch)
	b, ok, err := jsonwalk.AppendString(p.scratch, val)
	if err != nil || !ok {
		return err
	}
	p.scratch = b
	*dst = span{from: from, to: len(b), set: true}
	return nil
}

// repository decodes one repository object, as toRepository would convert it.
func (p *repoListPage) repository(obj []byte) (*bitbucket.Repository, error) {
	p.scratch = p.scratch[:0]
	var s repoSpans
	err := jsonwalk.Object(obj, func(key, val []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "uuid"):
			return p.str(&s.uuid, val)
		case jsonwalk.KeyIs(key, "full_name"):
			return p.str(&s.fullName, val)
		case jsonwalk.KeyIs(key, "name"):
			return p.str(&s.name, val)
		case jsonwalk.KeyIs(key, "description"):
			return p.str(&s.description, val)
		case jsonwalk.KeyIs(key, "updated_on"):
			return p.str(&s.updated, val)
		case jsonwalk.KeyIs(key, "is_private"):
			b, ok, err := jsonwalk.Bool(val)
			if ok {
				s.private = b
			}
			return err
		case jsonwalk.KeyIs(key, "mainbranch"):
			if jsonwalk.IsNull(val) {
				s.branch = span{}
			}
			return p.member(val, "name", &s.branch)
		case jsonwalk.KeyIs(key, "project"):
			if jsonwalk.IsNull(val) {
				s.project = span{}
			}
			return p.member(val, "key", &s.project)
		case jsonwalk.KeyIs(key, "links"):
			return p.links(val, &s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	text := string(p.scratch)
	full := s.fullName.of(text)
	ns, slug, _ := strings.Cut(full, "/")
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

// member reads the string member name of the object val into dst.
func (p *repoListPage) member(val []byte, name string, dst *span) error {
	return jsonwalk.Object(val, func(k, v []byte) error {
		if jsonwalk.KeyIs(k, name) {
			return p.str(dst, v)
		}
		return nil
	})
}

// links reads links.html.href and the https and ssh clone links.
func (p *repoListPage) links(val []byte, s *repoSpans) error {
	return jsonwalk.Object(val, func(k, v []byte) error {
		switch {
		case jsonwalk.KeyIs(k, "html"):
			if jsonwalk.IsNull(v) {
				return nil
			}
			return p.member(v, "href", &s.html)
		case jsonwalk.KeyIs(k, "clone"):
			if jsonwalk.IsNull(v) {
				s.https, s.ssh = span{}, span{}
				return nil
			}
			var https, ssh span
			err := jsonwalk.Array(v, func(elem []byte) error {
				var href span
				var isHTTPS, isSSH bool
				err := jsonwalk.Object(elem, func(k, v []byte) error {
					var err error
					switch {
					case jsonwalk.KeyIs(k, "href"):
						return p.str(&href, v)
					case jsonwalk.KeyIs(k, "name"):
						if jsonwalk.IsNull(v) {
							return nil // null leaves the name as it was
						}
						if isHTTPS, err = jsonwalk.StringEquals(v, "https", true); err != nil || isHTTPS {
							isSSH = false
							return err
						}
						isSSH, err = jsonwalk.StringEquals(v, "ssh", true)
						return err
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
