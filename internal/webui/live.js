// Live updates of the console's users grid. The page is complete without
// this script; with it, an EventSource follows the grid's stream
// (/console/users/events, served by internal/console/events.go) and
// updates, inserts or removes rows and tiles in place. Every value is set
// as text (textContent), never as markup.
(function () {
  "use strict";

  var grid = document.querySelector("[data-live-grid]");
  if (!grid || !window.EventSource) {
    return;
  }
  var url = grid.getAttribute("data-events");
  if (!url) {
    return;
  }
  var status = document.querySelector("[data-live-status]");
  var total = document.querySelector("[data-live-total]");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function items() {
    return grid.querySelectorAll("[data-user]");
  }

  function find(name) {
    var all = items();
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-user") === name) {
        return all[i];
      }
    }
    return null;
  }

  function count() {
    if (total) {
      total.textContent = String(items().length);
    }
  }

  // fill puts one cell's value in its element: a link, a badge or text,
  // the three shapes the page renders (templates/layout/cells.html).
  function fill(target, cell) {
    while (target.firstChild) {
      target.removeChild(target.firstChild);
    }
    if (cell.title) {
      target.setAttribute("title", cell.title);
    } else {
      target.removeAttribute("title");
    }
    var el;
    if (cell.href) {
      el = document.createElement("a");
      el.setAttribute("href", cell.href);
      el.textContent = cell.text;
      target.appendChild(el);
    } else if (cell.badge) {
      el = document.createElement("span");
      el.className = "badge " + cell.badge;
      el.textContent = cell.text;
      target.appendChild(el);
    } else {
      target.textContent = cell.text;
    }
  }

  // create makes the element of a user the page does not show yet: a row
  // with a cell per column of the table, or a copy of a tile.
  function create(name) {
    var el;
    if (grid.tBodies && grid.tBodies.length > 0) {
      el = document.createElement("tr");
      var heads = grid.querySelectorAll("thead th[data-key]");
      for (var i = 0; i < heads.length; i++) {
        var td = document.createElement("td");
        td.setAttribute("data-key", heads[i].getAttribute("data-key"));
        if (heads[i].classList.contains("numeric")) {
          td.className = "numeric";
        }
        el.appendChild(td);
      }
      grid.tBodies[0].appendChild(el);
    } else {
      var first = items()[0];
      if (!first) {
        return null; // no tile to copy: the next reload shows it
      }
      el = first.cloneNode(true);
      grid.appendChild(el);
    }
    el.setAttribute("data-user", name);
    return el;
  }

  function update(user) {
    var el = find(user.name);
    if (!user.show) {
      if (el) {
        el.parentNode.removeChild(el);
        count();
      }
      return;
    }
    if (!el) {
      el = create(user.name);
      if (!el) {
        return;
      }
      el.classList.add("live-new");
    }
    var targets = el.querySelectorAll("[data-key]");
    var byKey = {};
    for (var i = 0; i < targets.length; i++) {
      byKey[targets[i].getAttribute("data-key")] = targets[i];
    }
    for (var j = 0; j < user.cells.length; j++) {
      var target = byKey[user.cells[j].key];
      if (target) {
        fill(target, user.cells[j]);
      }
    }
    count();
  }

  var source = new EventSource(url);
  source.addEventListener("open", function () {
    say("Changes show as they happen.");
  });
  source.addEventListener("error", function () {
    if (source.readyState !== EventSource.CLOSED) {
      say("Live updates paused; reconnecting\u2026");
    }
  });
  source.addEventListener("user", function (e) {
    update(JSON.parse(e.data));
  });
  source.addEventListener("end", function (e) {
    source.close();
    say(JSON.parse(e.data).message);
  });
})();
