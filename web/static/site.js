// On a page of the served snapshot: marks the sentence a citation quoted, named by the
// link's text fragment (#:~:text=start,end), and brings it into view clear of the
// cookie banner. Browsers strip the fragment from location, but the navigation entry
// keeps it.
"use strict";

(function () {
  function directive() {
    const entry = performance.getEntriesByType("navigation")[0];
    const url = (entry && entry.name) || location.href;
    const at = url.indexOf(":~:");
    if (at < 0) return null;
    const text = url.slice(at + 3).split("&").find((d) => d.startsWith("text="));
    if (!text) return null;
    const terms = text.slice(5).split(",").filter((t) => !t.startsWith("-") && !t.endsWith("-"));
    try {
      return terms.map((t) => decodeURIComponent(t));
    } catch (e) {
      return null;
    }
  }

  // The page's visible text with all white space dropped, and where each character is.
  function textMap() {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
      acceptNode(node) {
        const skip = node.parentElement.closest("script, style, .ccp-back, #cookie-banner");
        return skip ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      },
    });
    let chars = "";
    const where = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const value = node.nodeValue;
      for (let i = 0; i < value.length; i++) {
        if (/\s/.test(value[i])) continue;
        chars += value[i].toLowerCase();
        where.push([node, i]);
      }
    }
    return { chars, where };
  }

  function squeeze(text) {
    return text.replace(/\s+/g, "").toLowerCase();
  }

  function mark(map, from, to) {
    // Each text node the quote crosses gets its own <mark>.
    // Each text node the quote crosses gets its own <mark>, innermost first.
    const span = map.where.slice(from, to + 1);
    const nodes = [...new Set(span.map(([node]) => node))];
    const marks = [];
    nodes.forEach((node) => {
      const inNode = span.filter(([n]) => n === node);
      const start = inNode[0][1];
      const end = inNode[inNode.length - 1][1] + 1;
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, end);
      const m = document.createElement("mark");
      m.className = "ccp-quote";
      range.surroundContents(m);
      marks.push(m);
    });
    return marks;
  }

  const terms = directive();
  if (!terms || !terms.length) return;
  const map = textMap();
  const first = map.chars.indexOf(squeeze(terms[0]));
  if (first < 0) return;
  let last = first + squeeze(terms[0]).length - 1;
  if (terms[1]) {
    const end = map.chars.indexOf(squeeze(terms[1]), last + 1);
    if (end >= 0) last = end + squeeze(terms[1]).length - 1;
  }
  const marks = mark(map, first, last);
  marks[0].id = "ccp-quote";
  marks[0].scrollIntoView({ block: "center" });
})();
