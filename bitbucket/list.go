package bitbucket

// ListRepositoriesOptions selects repositories. The zero value lists every repository the caller
// can see, a page of the provider's maximum size at a time.
type ListRepositoriesOptions struct {
	// Namespace restricts the list to one workspace or project; empty means every namespace the
	// caller can see.
	Namespace string
	// Query is a case-insensitive substring of the repository name.
	Query string
	// MinPermission keeps only repositories where the caller has at least this permission.
	MinPermission Permission
	// PageSize is the number of items asked for per request; 0 means the provider's maximum.
	PageSize int
	// Cursor resumes a listing from Page.Next. The listing it belongs to comes from the cursor;
	// options that conflict with it are refused.
	Cursor string
}

// ListNamespacesOptions selects namespaces (Cloud workspaces, Data Center projects).
type ListNamespacesOptions struct {
	Query    string // case-insensitive substring of the key or name
	PageSize int    // 0 means the provider's maximum
	Cursor   string // resume from Page.Next
}

// Page is one page of a list.
type Page[T any] struct {
	Items []T
	// Next is an opaque, URL-safe cursor for the following page; "" on the last page.
	Next string
}
