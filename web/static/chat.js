// Turns the plain form into a chat: each answer comes from POST /turn already rendered
// by the server's template (the same one the page uses without JavaScript), and earlier
// turns stay. Only that server-escaped fragment is inserted as HTML; everything this
// script writes itself is set with textContent.
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

  function answerAsText(item) {
    // The answer and its sources, so a pasted answer can still be checked.
    const text = item.querySelector(".answer-text").innerText.trim();
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
      const response = await fetch("/turn", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.ok) {
        conversationId = response.headers.get("X-Conversation-Id");
        const notCovered = response.headers.get("X-No-Answer") === "1";
        item = el("li", "turn reply" + (notCovered ? " not-covered" : ""));
        item.innerHTML = await response.text();
        addCopyButton(item);
      } else {
        const data = await response.json().catch(() => ({}));
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
