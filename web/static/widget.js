// The assistant on another site's page: one tag,
//   <script src="https://assistant.example/widget.js" data-title="Ask the guidance" defer></script>
// adds a button and a chat panel in a shadow root (the page's styles and the widget's
// keep apart). Answers come from the assistant's POST /turn over CORS, rendered by the
// same template as the chat page. It runs under a strict Content-Security-Policy: no
// inline script or style (its styles are a constructed stylesheet), and under Trusted
// Types through a policy named "ccp-assistant".
"use strict";

(function () {
  const script = document.currentScript;
  const base = new URL(script.src).origin;
  const title = script.dataset.title || "Ask the guidance";
  const STYLES = "/*STYLES*/";  // the chat's and the widget's CSS, filled in when served
  let conversationId = null;
  let policy = null;
  if (window.trustedTypes) {
    try {
      policy = trustedTypes.createPolicy("ccp-assistant", { createHTML: (html) => html });
    } catch (e) {
      policy = null;  // the page allows no such policy: answers are shown as plain text
    }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const host = el("div");
  host.id = "ccp-assistant-widget";
  const root = host.attachShadow({ mode: "open" });
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    // Very old browsers: unstyled, still usable.
  }

  const opener = el("button", "ccp-open", title);
  opener.type = "button";
  opener.setAttribute("aria-expanded", "false");
  opener.setAttribute("aria-controls", "ccp-panel");

  const panel = el("section", "ccp-panel");
  panel.id = "ccp-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "ccp-title");
  const bar = el("div", "ccp-bar");
  const heading = el("h2", null, title);
  heading.id = "ccp-title";
  const close = el("button", "ccp-close", "Close");
  close.type = "button";
  bar.append(heading, close);
  const logHeading = el("h3", "visually-hidden", "Conversation");
  logHeading.id = "ccp-log-heading";
  const log = el("ol", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-labelledby", "ccp-log-heading");
  const form = el("form", "ask");
  const label = el("label", null, "Your question");
  label.htmlFor = "ccp-q";
  const row = el("div", "ask-row");
  const input = el("input");
  input.id = "ccp-q";
  input.type = "text";
  input.maxLength = 1000;
  input.required = true;
  input.autocomplete = "off";
  const send = el("button", null, "Ask");
  send.type = "submit";
  row.append(input, send);
  form.append(label, row);
  const note = el("p", "ccp-note", "Answers are quoted from the guidance, with links to each source.");
  panel.append(bar, note, logHeading, log, form);
  root.append(opener, panel);

  function show(open) {
    panel.hidden = !open;
    opener.setAttribute("aria-expanded", String(open));
    (open ? input : opener).focus();
  }

  // The fragment's links lead to the assistant's site, in a new tab; its forms are ours.
  function adopt(item) {
    item.querySelectorAll("a[href]").forEach((a) => {
      a.href = new URL(a.getAttribute("href"), base + "/").href;
      a.target = "_blank";
      a.rel = "noopener";
    });
  }

  async function ask(question) {
    const turn = el("li", "turn question");
    turn.append(el("p", null, question));
    const item = el("li", "turn reply pending", "Looking through the guidance…");
    log.append(turn, item);
    try {
      const body = { question: question };
      if (conversationId) body.conversation_id = conversationId;
      const response = await fetch(base + "/turn", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      item.className = "turn reply";
      item.textContent = "";
      if (response.ok) {
        conversationId = response.headers.get("X-Conversation-Id");
        if (response.headers.get("X-No-Answer") === "1") item.classList.add("not-covered");
        const html = await response.text();
        if (policy) {
          item.innerHTML = policy.createHTML(html);
        } else {
          const parsed = new DOMParser().parseFromString(html, "text/html");
          item.append(el("p", null, parsed.body.textContent.trim()));
        }
        adopt(item);
      } else {
        const data = await response.json().catch(() => ({}));
        item.classList.add("error");
        item.append(el("p", null, data.error ? data.error.message : "Something went wrong."));
      }
    } catch (e) {
      item.className = "turn reply error";
      item.textContent = "";
      item.append(el("p", null, "The assistant cannot be reached from this site."));
    }
    item.scrollIntoView({ block: "nearest" });
  }

  async function feedback(f, rating) {
    let message = "Thank you: your feedback was recorded.";
    try {
      const response = await fetch(base + "/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          answer_id: f.elements.answer_id.value,
          rating: rating,
          comment: f.elements.comment.value,
        }),
      });
      if (!response.ok) message = (await response.json()).error.message;
    } catch (e) {
      message = "Feedback could not be sent. Please try again.";
    }
    const done = el("p", "feedback-done", message);
    done.setAttribute("role", "status");
    f.replaceWith(done);
  }

  opener.addEventListener("click", () => show(panel.hidden));
  close.addEventListener("click", () => show(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") show(false);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
  });
  log.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = event.target;
    if (f.classList.contains("ask-choice")) ask(f.elements.q.value);
    else if (f.classList.contains("feedback")) feedback(f, event.submitter ? event.submitter.value : "up");
  });

  document.body.append(host);
})();
