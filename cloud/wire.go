package cloud

// The JSON shapes of Bitbucket Cloud REST 2.0, limited to the fields this package reads.

type link struct {
	Href string `json:"href"`
	Name string `json:"name"`
}

type wireUser struct {
	UUID        string `json:"uuid"`
	AccountID   string `json:"account_id"`
	Nickname    string `json:"nickname"`
	Username    string `json:"username"` // legacy; sent by some older payloads
	DisplayName string `json:"display_name"`
}

type wireEmail struct {
	Email       string `json:"email"`
	IsPrimary   bool   `json:"is_primary"`
	IsConfirmed bool   `json:"is_confirmed"`
}

type wireEmailPage struct {
	Values []wireEmail `json:"values"`
	Next   string      `json:"next"`
}

type wireWorkspace struct {
	UUID string `json:"uuid"`
	Slug string `json:"slug"`
	Name string `json:"name"` // not in workspace_base, but sent by /workspaces/{ws}
}

type wireWorkspaceAccess struct {
	Administrator bool          `json:"administrator"`
	Workspace     wireWorkspace `json:"workspace"`
}

type wireWorkspaceAccessPage struct {
	Values []wireWorkspaceAccess `json:"values"`
	Next   string                `json:"next"`
}

type wireRepository struct {
	UUID        string `json:"uuid"`
	FullName    string `json:"full_name"`
	Name        string `json:"name"`
	Description string `json:"description"`
	IsPrivate   bool   `json:"is_private"`
	Mainbranch  *struct {
		Name string `json:"name"`
	} `json:"mainbranch"`
	Project *struct {
		Key string `json:"key"`
	} `json:"project"`
	Links struct {
		HTML  link   `json:"html"`
		Clone []link `json:"clone"`
	} `json:"links"`
	UpdatedOn string `json:"updated_on"`
}

type wireRepositoryPage struct {
	Values []wireRepository `json:"values"`
	Next   string           `json:"next"`
}

type wireRepositoryPermission struct {
	Permission string `json:"permission"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

type wireRepositoryPermissionPage struct {
	Values []wireRepositoryPermission `json:"values"`
	Next   string                     `json:"next"`
}

// wireHookRequest is the body of a create or update. Secret is omitted when nil, which on update
// leaves the stored secret unchanged.
type wireHookRequest struct {
	Description string   `json:"description"`
	URL         string   `json:"url"`
	Active      bool     `json:"active"`
	Events      []string `json:"events"`
	Secret      *string  `json:"secret,omitempty"`
}

type wireHook struct {
	UUID        string   `json:"uuid"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	Active      bool     `json:"active"`
	Events      []string `json:"events"`
	SecretSet   bool     `json:"secret_set"`
	CreatedAt   string   `json:"created_at"`
}

type wireHookPage struct {
	Values []wireHook `json:"values"`
	Next   string     `json:"next"`
}
