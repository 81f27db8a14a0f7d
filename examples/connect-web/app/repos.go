package app

import (
	"context"
	"net/http"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// reposPage is the data of the repository picker.
type reposPage struct {
	ConnID, Label, User, Version string
	Kind                         string // "Workspace" or "Project"
	Groups                       []repoGroup
	Cursor, Next                 string
	Problem                      *problem
}

type repoGroup struct {
	Namespace string
	Repos     []repoRow
}

type repoRow struct {
	Ref         string
	Name        string
	Description string
	Private     bool
	Permission  string // "admin", "write", "read", "none", or "unknown" when it could not be read
	Admin       bool
	Connected   bool
}

// repos shows one page of the repositories the connection reaches, grouped by workspace or
// project, with the caller's permission on each row of that page (and on no other).
func (a *App) repos(w http.ResponseWriter, r *http.Request) {
	conn, err := a.connection(r)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "Connection not found", "This connection does not exist or belongs to another session. Connect again from the home page.")
		return
	}
	cursor := r.URL.Query().Get("cursor")
	page := reposPage{ConnID: conn.id, Label: conn.label(), User: conn.user(), Version: conn.info.Version,
		Kind: "Project", Cursor: cursor}
	if conn.info.Provider == bitbucket.Cloud {
		page.Kind = "Workspace"
	}
	ctx, cancel := a.callContext(r)
	defer cancel()
	res, err := conn.connector.ListRepositoriesPage(ctx, bitbucket.ListRepositoriesOptions{PageSize: a.cfg.PageSize, Cursor: cursor})
	if err != nil {
		a.log.Info("repository listing failed", "connection", conn.id, "err", err)
		p := explain(err)
		if cursor != "" {
			p.Text += " Go back to the first page."
		}
		page.Problem = &p
		a.render(w, r, http.StatusBadGateway, "repos", "Choose repositories", page)
		return
	}
	page.Next = res.Next
	rows := make([]repoRow, len(res.Items))
	for i, repo := range res.Items {
		_, connected := conn.hook(repo.Ref)
		rows[i] = repoRow{Ref: repo.Ref.String(), Name: repo.Name, Description: repo.Description, Private: repo.Private, Connected: connected}
	}
	a.permissions(ctx, conn.connector, res.Items, rows)
	for i, repo := range res.Items {
		n := len(page.Groups)
		if n == 0 || page.Groups[n-1].Namespace != repo.Ref.Namespace {
			page.Groups = append(page.Groups, repoGroup{Namespace: repo.Ref.Namespace})
			n++
		}
		page.Groups[n-1].Repos = append(page.Groups[n-1].Repos, rows[i])
	}
	a.render(w, r, http.StatusOK, "repos", "Choose repositories", page)
}

// permissions fills the permission of each row with one RepositoryPermissions call: the
// provider answers a page of repositories in a request or two, not one request per row.
func (a *App) permissions(ctx context.Context, c bitbucket.Connector, repos []*bitbucket.Repository, rows []repoRow) {
	refs := make([]bitbucket.RepoRef, len(repos))
	for i, repo := range repos {
		refs[i] = repo.Ref
	}
	perms, err := c.RepositoryPermissions(ctx, refs)
	if err != nil {
		a.log.Info("permission check failed", "repositories", len(refs), "err", err)
	}
	for i, ref := range refs {
		p, ok := perms[ref]
		if err != nil || !ok {
			rows[i].Permission = "unknown"
			continue
		}
		rows[i].Permission = p.String()
		rows[i].Admin = p >= bitbucket.PermissionAdmin
	}
}
