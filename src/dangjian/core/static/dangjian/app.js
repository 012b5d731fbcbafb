// 基层党建工作管理系统 — small, dependency-free scripts (served by the app; no inline script, CSP-friendly).
(function () {
  "use strict";
  document.documentElement.classList.add("js");  // the CSS folds the main and account links into menus only when this runs

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Lazy organization tree: children are fetched page by page when a node is opened.
  function nodeItem(n) {
    var li = el("li", { "class": "node", "data-id": n.id });
    if (n.has_children) {
      li.appendChild(el("button", { type: "button", "class": "toggle", "aria-expanded": "false", "aria-label": "展开" }, "▸"));
    } else {
      li.appendChild(el("span", { "class": "leaf" }, "·"));
    }
    li.appendChild(el("a", { href: n.url }, n.name));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", { "class": "muted" }, n.kind + " · " + n.code));
    return li;
  }

  function childrenUrl(tree, id, offset) {
    return tree.getAttribute("data-children-url").replace("/0/", "/" + id + "/") + "?offset=" + (offset || 0);
  }

  function loadChildren(tree, li, ul, offset) {
    return fetch(childrenUrl(tree, li.getAttribute("data-id"), offset), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        data.nodes.forEach(function (n) { ul.appendChild(nodeItem(n)); });
        if (data.more) {
          var more = el("li", {}); var b = el("button", { type: "button", "class": "more" }, "加载更多…");
          b.addEventListener("click", function () { more.remove(); loadChildren(tree, li, ul, data.next_offset); });
          more.appendChild(b); ul.appendChild(more);
        }
      })
      .catch(function () { ul.appendChild(el("li", { "class": "error" }, "加载失败，请刷新重试。")); });
  }

  function initTree(tree) {
    tree.addEventListener("click", function (ev) {
      var btn = ev.target.closest(".toggle");
      if (!btn) return;
      var li = btn.parentElement, ul = li.querySelector(":scope > ul");
      var open = btn.getAttribute("aria-expanded") === "true";
      if (open) { btn.setAttribute("aria-expanded", "false"); btn.textContent = "▸"; if (ul) ul.hidden = true; return; }
      btn.setAttribute("aria-expanded", "true"); btn.textContent = "▾";
      if (ul) { ul.hidden = false; return; }
      ul = el("ul"); li.appendChild(ul); loadChildren(tree, li, ul, 0);
    });
  }

  // Organization code fields: suggestions from the scoped search endpoint.
  function initAutocomplete(input) {
    var list = el("ul", { "class": "ac-list" }); list.hidden = true;
    input.parentElement.style.position = "relative"; input.parentElement.appendChild(list);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { list.hidden = true; return; }
      timer = setTimeout(function () {
        fetch("/orgs/search/?format=json&q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            list.innerHTML = "";
            data.results.slice(0, 12).forEach(function (n) {
              var li = el("li", {}, n.code + " " + n.name);
              li.addEventListener("mousedown", function (ev) { ev.preventDefault(); input.value = n.code; list.hidden = true; });
              list.appendChild(li);
            });
            list.hidden = data.results.length === 0;
          });
      }, 200);
    });
    input.addEventListener("blur", function () { list.hidden = true; });
  }

  // The menus on a phone (the main links, the account's links): the button opens and closes its menu; a click
  // elsewhere or Escape closes it, Escape handing the focus back to the button when it was inside the menu.
  function initMenu(toggle) {
    var holder = toggle.parentElement;
    function set(open) { holder.classList.toggle("open", open); toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
    toggle.addEventListener("click", function () { set(!holder.classList.contains("open")); });
    document.addEventListener("click", function (ev) { if (!holder.contains(ev.target)) set(false); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "Escape" || !holder.classList.contains("open")) return;
      var inside = holder.contains(document.activeElement);
      set(false);
      if (inside) toggle.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".menu-toggle, .nav-toggle").forEach(initMenu);
    var tree = document.getElementById("org-tree");
    if (tree) initTree(tree);
    document.querySelectorAll("input[data-autocomplete=org]").forEach(initAutocomplete);
    // A printable form (the weekly cycle's four forms): a button, since inline handlers are refused by the CSP.
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
