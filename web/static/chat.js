// Turns the plain form into a chat: answers from /api/query are added to the log and
// earlier turns stay. Everything shown is set with textContent, never as HTML.
"use strict";

(function () {
  const form = document.getElementById("ask");
  const input = document.getElementById("q");
  const log = document.getElementById("log");
  const welcome = document.getElementById("welcome");
  const newConversation = document.getElementById("new-conversation");
  const carried = form.querySelector("input[name=c]");
  let conversationId = carried ? carried.value : null;

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

  function renderFeedback(answerId) {
    const f = el("form", "feedback");
    f.method = "post";
    f.action = "/feedback";
    const id = el("input");
    id.type = "hidden";
    id.name = "answer_id";
    id.value = answerId;
    f.append(id, el("span", "feedback-label", "Was this helpful?"));
    [["up", "Helpful", "Yes"], ["down", "Not helpful", "No"]].forEach(([value, label, icon]) => {
      const b = el("button", null, icon);
      b.type = "submit";
      b.name = "rating";
      b.value = value;
      b.setAttribute("aria-label", label);
      f.append(b);
    });
    const comment = el("label", "feedback-comment", "Comment (optional)");
    const box = el("input");
    box.type = "text";
    box.name = "comment";
    box.maxLength = 1000;
    box.autocomplete = "off";
    comment.append(box);
    f.append(comment);
    return f;
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
          link.setAttribute("aria-label", "Source " + n + ": " + c.title);
          text.append(" ", link);
        });
      });
    }
    item.append(text);
    if (data.citations.length) {
      const list = el("ol", "sources");
      data.citations.forEach((c) => {
        const li = sectionLink(c);
        li.value = c.n;
        const details = el("details");
        details.append(el("summary", null, "Show the passage"), highlighted(c.snippet, c.highlights));
        li.append(details);
        list.append(li);
      });
      item.append(el("h3", "sources-heading", "Sources"), list);
    }
    if (data.nearest.length) {
      const list = el("ul", "nearest");
      data.nearest.forEach((c) => list.append(sectionLink(c)));
      item.append(el("h3", "sources-heading", "Nearest sections"), list);
    }
    item.append(el("p", "meta", "Confidence " + Math.round(data.confidence * 100) + "%"));
    if (data.answer_id) item.append(renderFeedback(data.answer_id));
    addCopyButton(item);
    return item;
  }

  function answerAsText(item) {
    // The answer and its sources, so a pasted answer can still be checked.
    const text = item.querySelector(".answer-text").textContent.trim();
    const sources = Array.from(item.querySelectorAll(".sources > li, .nearest > li")).map((li, i) => {
      const link = li.querySelector("a");
      const section = li.querySelector(".section");
      const n = li.value || i + 1;
      return "[" + n + "] " + link.textContent + (section ? " - " + section.textContent : "") + ": " + link.href;
    });
    return sources.length ? text + "\n\nSources:\n" + sources.join("\n") : text;
  }

  function addCopyButton(item) {
    const button = el("button", "copy", "Copy answer and sources");
    button.type = "button";
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(answerAsText(item));
        button.textContent = "Copied";
      } catch (e) {
        button.textContent = "Copy failed: select the text instead";
      }
    });
    item.querySelector(".meta").after(button);
  }

  async function sendFeedback(f, rating) {
    const body = {
      answer_id: f.elements.answer_id.value,
      rating: rating,
      comment: f.elements.comment.value,
    };
    let message = "Thank you: your feedback was recorded.";
    try {
      const response = await fetch("/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) message = (await response.json()).error.message;
    } catch (e) {
      message = "Feedback could not be sent. Please try again.";
    }
    const done = el("p", "feedback-done", message);
    done.setAttribute("role", "status");
    f.replaceWith(done);
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

  // Feedback forms, whether rendered by the server or by this script.
  log.addEventListener("submit", (event) => {
    const f = event.target.closest("form.feedback");
    if (!f) return;
    event.preventDefault();
    const rating = event.submitter ? event.submitter.value : "up";
    sendFeedback(f, rating);
  });

  document.querySelectorAll("a.example").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      ask(link.textContent);
      input.focus();
    });
  });

  newConversation.addEventListener("click", (event) => {
    event.preventDefault();
    conversationId = null;
    log.replaceChildren();
    welcome.hidden = false;
    if (carried) carried.remove();
    history.replaceState(null, "", "/");
    input.value = "";
    input.focus();
  });

  log.querySelectorAll("li.reply:not(.error)").forEach(addCopyButton);
})();
