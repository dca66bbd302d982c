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

  function renderAnswer(data) {
    const item = el("li", "turn reply" + (data.no_answer ? " not-covered" : ""));
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
        const li = el("li");
        li.value = c.n;
        const link = el("a", null, c.title);
        link.href = safeUrl(c.url);
        const details = el("details");
        details.append(el("summary", null, "Show the passage"), el("p", null, c.snippet));
        li.append(link);
        if (c.section !== c.title) li.append(" ", el("span", "section", c.section));
        li.append(details);
        list.append(li);
      });
      item.append(list);
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
