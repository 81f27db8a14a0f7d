package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// defaultTenant is the tenant of WEBHOOK_SECRET, also served on / for a single-tenant setup.
const defaultTenant = "default"

// tenants maps each tenant to the secrets its webhooks may be signed with: one, or two while the
// secret is rotated (the old one until every hook has the new one).
type tenants map[string][][]byte

// parseTenants reads WEBHOOK_TENANTS: "acme=secret[,next-secret];globex=secret". Tenant names are
// lower-case letters, digits and '-'.
func parseTenants(spec string) (tenants, error) {
	ts := tenants{}
	for entry := range strings.SplitSeq(spec, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, list, ok := strings.Cut(entry, "=")
		name = strings.TrimSpace(name)
		if !ok || !validTenant(name) {
			return nil, fmt.Errorf("WEBHOOK_TENANTS: entry %d is not tenant=secret[,secret] with a tenant of a-z, 0-9 and -", len(ts)+1)
		}
		for s := range strings.SplitSeq(list, ",") {
			if s = strings.TrimSpace(s); s != "" {
				ts[name] = append(ts[name], []byte(s))
			}
		}
		if len(ts[name]) == 0 {
			return nil, fmt.Errorf("WEBHOOK_TENANTS: tenant %q has no secret", name)
		}
	}
	return ts, nil
}

func validTenant(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// names returns the tenants in order.
func (ts tenants) names() []string {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// secrets is webhooks.Options.Secrets: the secrets of the tenant the request's path names. An
// unknown tenant has none, so its deliveries are refused as unsigned by anyone we know (401).
func (ts tenants) secrets(r *http.Request) ([][]byte, error) {
	return ts[tenantOf(r)], nil
}

// tenantOf is the tenant of /hooks/{tenant}, or the default tenant on /.
func tenantOf(r *http.Request) string {
	if t := r.PathValue("tenant"); t != "" {
		return t
	}
	return defaultTenant
}

type tenantKey struct{}

// withTenant puts the request's tenant in its context, for the event callback.
func withTenant(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey{}, tenantOf(r))))
	})
}

// tenantFrom returns the tenant withTenant put in ctx.
func tenantFrom(ctx context.Context) string {
	t, _ := ctx.Value(tenantKey{}).(string)
	return t
}
