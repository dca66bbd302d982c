// Turns the plain form into a chat: each answer comes from POST /turn already rendered
// by the server's template (the same one the page uses without JavaScript), and earlier
// turns stay. Only server-escaped fragments are inserted as HTML; everything this
// script writes itself is set with textContent. The conversation is kept in this tab's
// sessionStorage, so Back, reload and tabs opened from it keep it; nothing about it is
// sent anywhere it was not sent before.
"use strict";

(function () {
  const STORE = "ccp-conversation";
  const MAX_TURNS = 50;
  const form = document.getElementById("ask");
  const input = document.getElementById("q");
  const log = document.getElementById("log");
  const welcome = document.getElementById("welcome");
  const newConversation = document.getElementById("new-conversation");
  const preview = document.getElementById("preview");
  const previewContent = document.getElementById("preview-content");
  const previewHeading = document.getElementById("preview-heading");
  const carried = form.querySelector("input[name=c]");
  let state = { conversationId: carried ? carried.value : null, turns: [] };
  let previewFrom = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function save() {
    try {
      state.turns = state.turns.slice(-MAX_TURNS);
      sessionStorage.setItem(STORE, JSON.stringify(state));
    } catch (e) {
      // Storage full or off: the conversation still works, it just is not kept.
    }
  }

  function load() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE)) || null;
    } catch (e) {
      return null;
    }
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

  function feedbackDone(f, message) {
    const done = el("p", "feedback-done", message);
    done.setAttribute("role", "status");
    f.replaceWith(done);
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
    const turn = state.turns[Number(f.closest("li.reply").dataset.turn)];
    if (turn) {
      turn.feedback = message;
      save();
    }
    feedbackDone(f, message);
  }

  // One turn on the page: the question, then the reply (a server fragment or an error).
  function showTurn(turn, i) {
    welcome.hidden = true;
    const question = el("li", "turn question");
    question.append(el("p", null, turn.question));
    const item = el("li", "turn reply" + (turn.notCovered ? " not-covered" : ""));
    item.dataset.turn = String(i);
    if (turn.html) {
      item.innerHTML = turn.html;
      addCopyButton(item);
      const f = item.querySelector("form.feedback");
      if (f && turn.feedback) feedbackDone(f, turn.feedback);
    } else {
      item.classList.add("error");
      item.append(el("p", null, turn.error));
    }
    log.append(question, item);
    return item;
  }

  // The filter chips chosen, as the API takes them, or null for none.
  function chosenFilters() {
    const filters = {};
    document.querySelectorAll(".filters input:checked").forEach((box) => {
      (filters[box.name] = filters[box.name] || []).push(box.value);
    });
    return Object.keys(filters).length ? filters : null;
  }

  async function fetchTurn(question) {
    const body = { question: question };
    if (state.conversationId) body.conversation_id = state.conversationId;
    const filters = chosenFilters();
    if (filters) body.filters = filters;
    try {
      const response = await fetch("/turn", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.ok) {
        state.conversationId = response.headers.get("X-Conversation-Id");
        const notCovered = response.headers.get("X-No-Answer") === "1";
        return { question, html: await response.text(), notCovered };
      }
      const data = await response.json().catch(() => ({}));
      return { question, error: data.error ? data.error.message : "Something went wrong." };
    } catch (e) {
      return { question, error: "The assistant could not be reached. Please try again." };
    }
  }

  async function ask(question) {
    welcome.hidden = true;
    const waiting = el("li", "turn question");
    waiting.append(el("p", null, question));
    const pending = el("li", "turn reply pending", "Looking through the guidance…");
    log.append(waiting, pending);
    const turn = await fetchTurn(question);
    waiting.remove();
    pending.remove();
    state.turns.push(turn);
    save();
    const item = showTurn(turn, state.turns.length - 1);
    item.scrollIntoView({ block: "nearest" });
  }

  async function openPreview(link) {
    const params = new URLSearchParams();
    if (link.dataset.start) {
      params.set("start", link.dataset.start);
      params.set("end", link.dataset.end);
    }
    const query = params.toString();
    const url = "/preview/" + encodeURIComponent(link.dataset.passage) + (query ? "?" + query : "");
    let response;
    try {
      response = await fetch(url);
    } catch (e) {
      response = null;
    }
    if (!response || !response.ok) {
      window.open(link.href, "_blank", "noopener");
      return;
    }
    previewContent.innerHTML = await response.text();
    previewFrom = link;
    preview.hidden = false;
    document.body.classList.add("previewing");
    previewHeading.focus();
    const quote = previewContent.querySelector("mark.quote");
    if (quote) quote.scrollIntoView({ block: "nearest" });
  }

  function closePreview() {
    preview.hidden = true;
    document.body.classList.remove("previewing");
    if (previewFrom && previewFrom.isConnected) previewFrom.focus();
    previewFrom = null;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    ask(question);
    input.focus();
  });

  // Feedback forms and offered questions, whether rendered by the server or fetched.
  log.addEventListener("submit", (event) => {
    const choice = event.target.closest("form.ask-choice");
    if (choice) {
      event.preventDefault();
      ask(choice.elements.q.value);
      input.focus();
      return;
    }
    const f = event.target.closest("form.feedback");
    if (!f) return;
    event.preventDefault();
    const rating = event.submitter ? event.submitter.value : "up";
    sendFeedback(f, rating);
  });

  // A citation opens its section beside the chat; with a modifier key, in a new tab.
  log.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-passage]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    openPreview(link);
  });

  document.getElementById("preview-close").addEventListener("click", closePreview);
  preview.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePreview();
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
    state = { conversationId: null, turns: [] };
    sessionStorage.removeItem(STORE);
    log.replaceChildren();
    welcome.hidden = false;
    if (carried) carried.remove();
    closePreview();
    history.replaceState(null, "", "/");
    input.value = "";
    input.focus();
  });

  // Start from the kept conversation, then add any turn the server rendered (a ?q= link).
  const kept = load();
  const rendered = Array.from(log.querySelectorAll("li.reply"));
  if (kept) {
    state.turns = kept.turns || [];
    if (!carried) state.conversationId = kept.conversationId;
  }
  rendered.forEach((item) => {
    const question = item.previousElementSibling.textContent.trim();
    const error = item.classList.contains("error");
    state.turns.push(
      error
        ? { question, error: item.textContent.trim() }
        : { question, html: item.innerHTML, notCovered: item.classList.contains("not-covered") }
    );
  });
  log.replaceChildren();
  state.turns.forEach(showTurn);
  if (rendered.length) {
    save();
    history.replaceState(null, "", "/");  // a reload shows the kept conversation, not a new ask
  }
})();
