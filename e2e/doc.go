// Package e2e holds browser end-to-end tests of the examples, driven through headless Chromium
// with chromedp. It is a nested module so that the library does not depend on chromedp.
package e2e
