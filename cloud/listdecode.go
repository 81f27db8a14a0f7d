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
	items []*bitbucket.Repository
	next  string
	d     jsonwalk.Decoder[[]byte]
	rec   jsonwalk.Record // reused for each repository's text
}

// repoSpans are the fields of one repository, as spans of its text.
type repoSpans struct {
	uuid, fullName, name, description, branch, project, html, https, ssh, updated jsonwalk.Field
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
			return jsonwalk.Elements(d, &p.items, p.repository)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return d.End()
}

// repository decodes one repository object, as toRepository would convert it; null is a
// repository with every field empty, as the reflective decoder makes it.
func (p *repoListPage) repository() (*bitbucket.Repository, error) {
	d := &p.d
	p.rec.Reset()
	var s repoSpans
	err := d.Object(func(key []byte) error {
		switch {
		case jsonwalk.KeyIs(key, "uuid"):
			return jsonwalk.ReadString(&p.d, &p.rec, &s.uuid)
		case jsonwalk.KeyIs(key, "full_name"):
			return jsonwalk.ReadString(&p.d, &p.rec, &s.fullName)
		case jsonwalk.KeyIs(key, "name"):
			return jsonwalk.ReadString(&p.d, &p.rec, &s.name)
		case jsonwalk.KeyIs(key, "description"):
			return jsonwalk.ReadString(&p.d, &p.rec, &s.description)
		case jsonwalk.KeyIs(key, "updated_on"):
			return jsonwalk.ReadString(&p.d, &p.rec, &s.updated)
		case jsonwalk.KeyIs(key, "is_private"):
			return jsonwalk.ReadBool(d, &s.private)
		case jsonwalk.KeyIs(key, "mainbranch"):
			if d.Null() {
				s.branch = jsonwalk.Field{}
				return nil
			}
			return p.member("name", &s.branch)
		case jsonwalk.KeyIs(key, "project"):
			if d.Null() {
				s.project = jsonwalk.Field{}
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
	text := p.rec.Text()
	ns, slug, _ := strings.Cut(s.fullName.Of(text), "/")
	return &bitbucket.Repository{
		Ref:           bitbucket.RepoRef{Namespace: ns, Slug: slug},
		ID:            s.uuid.Of(text),
		Name:          s.name.Of(text),
		Description:   s.description.Of(text),
		Private:       s.private,
		DefaultBranch: s.branch.Of(text),
		Project:       s.project.Of(text),
		WebURL:        s.html.Of(text),
		CloneHTTP:     s.https.Of(text),
		CloneSSH:      s.ssh.Of(text),
		UpdatedAt:     parseTime(s.updated.Of(text)),
	}, nil
}

// member reads the string member name of an object into dst.
func (p *repoListPage) member(name string, dst *jsonwalk.Field) error {
	return p.d.Object(func(k []byte) error {
		if jsonwalk.KeyIs(k, name) {
			return jsonwalk.ReadString(&p.d, &p.rec, dst)
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
			var https, ssh jsonwalk.Field
			err := d.Array(func() error {
				var href jsonwalk.Field
				var isHTTPS, isSSH bool
				err := d.Object(func(k []byte) error {
					switch {
					case jsonwalk.KeyIs(k, "href"):
						return jsonwalk.ReadString(&p.d, &p.rec, &href)
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
