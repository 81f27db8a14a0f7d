package cloud

import (
	"context"

	"github.com/bbconnect/bbconnect/bitbucket"
)

// CheckConnection asks who the credentials act as (GET /user) and which scopes they hold
// (X-OAuth-Scopes). A repository, project or workspace access token has no user: Bitbucket
// answers /user with 401 or 403 and names the token in X-Credential-Type; that connection is
// working, and ConnectionInfo.User stays zero. The email is filled when the credentials may read
// it; a missing email scope is not an error. Every failure is a *bitbucket.CheckError naming the
// step, with the cause reachable through errors.Is and errors.As.
func (c *Client) CheckConnection(ctx context.Context) (*bitbucket.ConnectionInfo, error) {
	info := &bitbucket.ConnectionInfo{Provider: bitbucket.Cloud, BaseURL: c.BaseURL()}
	u, scopes, err := c.user(ctx)
	if err != nil {
		var tok *accessTokenError
		if asAccessToken(err, &tok) {
			info.Scopes = tok.scopes
			return info, nil
		}
		return nil, bitbucket.NewCheckError(bitbucket.Cloud, bitbucket.StepUser, err)
	}
	info.User, info.Scopes = *u, scopes
	return info, nil
}
