package console

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The pages read in light and in dark: every text has the contrast WCAG
// AA asks of it (4.5:1, or 3:1 for large text) against what is behind it,
// in the scheme the person's system prefers.
func TestPagesReadInLightAndDark(t *testing.T) {
	site := startSite(t)
	olga, owner := signedInOwner(t, site)
	site.join(owner.Namespace, "ann", "manager", "Ann Member")
	visitor := site.person("visitor")

	// The check itself: grey on grey is caught.
	visitor.openOK("/v1/sessions")
	probe := eval[[]string](visitor, `(() => {
		const p = document.createElement("p");
		p.id = "contrast-probe"; p.textContent = "grey on grey";
		p.style.color = "#777"; p.style.background = "#888";
		document.body.appendChild(p);
		const low = `+lowContrast+`;
		p.remove();
		return low;
	})()`, false)
	if !strings.Contains(strings.Join(probe, "\n"), "grey on grey") {
		t.Fatalf("the contrast check misses grey on grey: %q", probe)
	}

	for _, scheme := range []string{"light", "dark"} {
		for _, page := range []struct {
			who  *person
			path string
		}{
			{visitor, "/v1/sessions"},
			{visitor, "/v1/password-resets"},
			{olga, "/console/"},
			{olga, "/console/users"},
			{olga, "/console/users?view=tiles"},
			{olga, profilePath("ann")},
			{olga, "/console/users/new"},
		} {
			p := page.who
			prefer(t, p, scheme)
			p.openOK(page.path)
			p.screenshot(scheme + "-" + page.path)
			if low := eval[[]string](p, lowContrast, false); len(low) > 0 {
				t.Errorf("%s in %s: text below WCAG AA contrast:\n  %s", page.path, scheme, strings.Join(low, "\n  "))
			}
		}
	}
}

// prefer makes the person's browser prefer a colour scheme, as their
// system would.
func prefer(t *testing.T, p *person, scheme string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	if err != nil {
		p.fail("prefer the "+scheme+" scheme", err)
	}
	if got := eval[bool](p, fmt.Sprintf("matchMedia('(prefers-color-scheme: %s)').matches", scheme), false); !got {
		p.fail("prefer the "+scheme+" scheme", fmt.Errorf("the page does not see it"))
	}
}

// lowContrast lists the texts of the page whose colour is too close to
// their background's, by WCAG 2's relative luminance: the background is
// the nearest one drawn behind the element, blended over what is behind
// it when translucent. Text over an image is left out: no colour
// describes what is behind it.
const lowContrast = `(() => {
	const rgba = (c) => {
		const m = c.match(/rgba?\(([^)]+)\)/);
		if (!m) return null;
		const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
		return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
	};
	const over = (top, bottom) => ({
		r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
		b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
	});
	const background = (e) => {
		const layers = [];
		for (let n = e; n; n = n.parentElement) {
			const s = getComputedStyle(n);
			if (s.backgroundImage !== "none" && !s.backgroundImage.startsWith("linear-gradient")) return null;
			const c = rgba(s.backgroundColor);
			if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
		}
		let bg = {r: 255, g: 255, b: 255, a: 1};
		if (matchMedia("(prefers-color-scheme: dark)").matches && layers.length === 0) bg = {r: 0, g: 0, b: 0, a: 1};
		for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
		return bg;
	};
	const lum = (c) => {
		const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
	};
	const low = [];
	for (const e of document.querySelectorAll("body *")) {
		const text = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join(" ").trim();
		if (!text) continue;
		const s = getComputedStyle(e);
		const box = e.getBoundingClientRect();
		if (s.visibility !== "visible" || s.display === "none" || box.width === 0 || box.height === 0) continue;
		if (s.clip === "rect(0px, 0px, 0px, 0px)" || (box.width <= 1 && box.height <= 1)) continue;
		const bg = background(e);
		const fg = rgba(s.color);
		if (!bg || !fg) continue;
		const color = over(fg, bg);
		const [hi, lo] = [lum(color), lum(bg)].sort((a, b) => b - a);
		const ratio = (hi + 0.05) / (lo + 0.05);
		const size = parseFloat(s.fontSize);
		const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
		if (ratio < (large ? 3 : 4.5)) {
			low.push(ratio.toFixed(2) + ":1 <" + e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "") + "> " + JSON.stringify(text.slice(0, 40)) + " " + s.color + " on " + JSON.stringify(bg));
		}
	}
	return low;
})()`
