module github.com/bbconnect/bbconnect/e2e

go 1.26.0

replace github.com/bbconnect/bbconnect => ../

require (
	github.com/bbconnect/bbconnect v0.0.0-00010101000000-000000000000
	github.com/chromedp/chromedp v0.23.0
)

require (
	code.dny.dev/ssrf v0.3.0 // indirect
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v1.27.2 // indirect
	github.com/google/go-querystring v1.2.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
)
