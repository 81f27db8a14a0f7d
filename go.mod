module github.com/bbconnect/bbconnect

go 1.26.0

require (
	code.dny.dev/ssrf v0.3.0
	github.com/go-json-experiment/json v1.27.2
	github.com/google/go-querystring v1.2.0
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/jarcoal/httpmock v1.4.2
	golang.org/x/oauth2 v0.38.0
)

require github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
