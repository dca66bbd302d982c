// Turns the plain form into a chat: answers from /api/query are added to the log and
// earlier turns stay. Everything shown is set with textContent, never as HTML.
"use strict";

(function () {
  const form = document.getElementById("ask");
  const input = document.getElementById("q");
  const log = document.getElementById("log");
  const welcome = document.getElementById("welcome");
  let conversationId = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function safeUrl(url) {
    // Only http(s) and same-site links: a javascript: URL in a corpus must not run.
    try {
      const parsed = new URL(url, window.location.href);
      return ["http:", "https:"].includes(parsed.protocol) ? parsed.href : "#";
    } catch (e) {
      return "#";
    }
  }

  function highlighted(snippet, spans) {
    // The snippet as text nodes, with the question's words in <mark>.
    const p = el("p");
    let last = 0;
    spans.forEach(([start, end]) => {
      p.append(snippet.slice(last, start), el("mark", null, snippet.slice(start, end)));
      last = end;
    });
    p.append(snippet.slice(last));
    return p;
  }

  function sectionLink(c) {
    const li = el("li");
    const link = el("a", null, c.title);
    link.href = safeUrl(c.url);
    li.append(link);
    if (c.section !== c.title) li.append(" ", el("span", "section", c.section));
    return li;
  }

  function renderReading(data) {
    const parts = [];
    if (data.corrections.length) {
      parts.push("Corrected: " + data.corrections.map((c) => c.from + " → " + c.to).join(", ") + ".");
    }
    if (data.follow_up) parts.push("Read as a follow-up: “" + data.reading + "”");
    return parts.length ? el("p", "reading", parts.join(" ")) : null;
  }

  function renderAnswer(data) {
    const item = el("li", "turn reply" + (data.no_answer ? " not-covered" : ""));
    const reading = renderReading(data);
    if (reading) item.append(reading);
    const text = el("p", "answer-text");
    if (data.no_answer) {
      text.textContent = data.answer;
    } else {
      data.sentences.forEach((s, i) => {
        if (i > 0) text.append(" ");
        text.append(s.text);
        s.citations.forEach((n) => {
          const c = data.citations[n - 1];
          const link = el("a", "cite", "[" + n + "]");
          link.href = safeUrl(c.url);
          link.title = c.title + ": " + c.section;
          text.append(" ", link);
        });
      });
    }
    item.append(text);
    if (data.citations.length) {
      const list = el("ol", "sources");
      list.setAttribute("aria-label", "Sources");
      data.citations.forEach((c) => {
        const li = sectionLink(c);
        li.value = c.n;
        const details = el("details");
        details.append(el("summary", null, "Show the passage"), highlighted(c.snippet, c.highlights));
        li.append(details);
        list.append(li);
      });
      item.append(list);
    }
    if (data.nearest.length) {
      const nearest = el("div", "nearest");
      const list = el("ul");
      data.nearest.forEach((c) => list.append(sectionLink(c)));
      nearest.append(el("p", null, "Nearest sections:"), list);
      item.append(nearest);
    }
    item.append(el("p", "meta", "Confidence " + Math.round(data.confidence * 100) + "%"));
    return item;
  }

  async function ask(question) {
    welcome.hidden = true;
    const turn = el("li", "turn question");
    turn.append(el("p", null, question));
    log.append(turn);
    const pending = el("li", "turn reply pending", "Looking through the guidance…");
    log.append(pending);
    let item;
    try {
      const body = { question: question };
      if (conversationId) body.conversation_id = conversationId;
      const response = await fetch("/api/query", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await response.json();
      if (response.ok) {
        conversationId = data.conversation_id;
        item = renderAnswer(data);
      } else {
        item = el("li", "turn reply error");
        item.append(el("p", null, data.error ? data.error.message : "Something went wrong."));
      }
    } catch (e) {
      item = el("li", "turn reply error");
      item.append(el("p", null, "The assistant could not be reached. Please try again."));
    }
    pending.replaceWith(item);
    item.scrollIntoView({ block: "nearest" });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
    input.focus();
  });

  document.querySelectorAll("a.example").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      ask(link.textContent);
    });
  });
})();
