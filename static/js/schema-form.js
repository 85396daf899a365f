/* Forms generated from JSON Schemas in the admin (core/admin_schema.py), and choices that follow another
   select (a job's sites follow its client).

   - A `.schema-form` whose type is chosen on the page (`data-schema-source`: the type select's field
     name) redraws its editor from `data-schema-url?type=<id>` when that select changes; django-jsonform's
     own script (index.js) draws any editor added to the page. A type without a schema leaves the raw box.
   - "Save the JSON below instead of the form" hides the generated form; opening "Advanced" copies the
     form's current value into the raw box (when both hold the same shape).
   - A select with `data-choices-source` (a field name) and `data-choices-url` reloads its options from
     `data-choices-url?parent=<id>` when that select changes, keeping its choice when it is still offered.
   No inline script or style: the site's Content-Security-Policy stays as it is. */
(function () {
  "use strict";

  function scopeOf(element) {
    return element.closest(".inline-related, tr.form-row") || element.form || element.closest("form") || document;
  }

  function sourceSelect(element, name) {
    var scope = scopeOf(element);
    return scope.querySelector('select[name="' + name + '"], select[name$="-' + name + '"]');
  }

  function onChange(select, handler) {
    // Only a real change of value: the admin's own script triggers "change" on every related select
    // when the page loads (to update its edit/view links), which must not redraw a form filled in.
    var last = select.value;
    function changed() {
      if (select.value === last) return;
      last = select.value;
      handler();
    }
    // Autocomplete selects (select2) announce changes through jQuery only.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(select).on("change", changed);
    } else {
      select.addEventListener("change", changed);
    }
  }

  function getJSON(url, params) {
    var query = new URLSearchParams(params).toString();
    return fetch(url + (url.indexOf("?") === -1 ? "?" : "&") + query, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function setRaw(wrapper, on) {
    var toggle = wrapper.querySelector("[data-schema-raw-on]");
    var editor = wrapper.querySelector("[data-schema-editor]");
    toggle.checked = on;
    editor.hidden = on;
    if (on) wrapper.querySelector(".schema-form-advanced").open = true;
  }

  function drawEditor(wrapper, schema) {
    var editor = wrapper.querySelector("[data-schema-editor]");
    var note = wrapper.querySelector("[data-schema-empty]");
    // From the raw box: an inline row added on the page has had its names numbered by Django's inlines.js.
    var name = wrapper.querySelector("[data-schema-raw]").name.replace(/__raw$/, "");
    var old = editor.querySelector("textarea.django-jsonform-data");
    var id = old ? old.id : wrapper.querySelector("[data-schema-raw]").id.replace(/__raw$/, "");
    editor.textContent = "";
    if (!schema) {
      note.hidden = false;
      wrapper.querySelector("[data-schema-raw]").value = "{}";
      setRaw(wrapper, true);
      return;
    }
    note.hidden = true;
    var container = document.createElement("div");
    container.className = "django-jsonform-container";
    container.setAttribute("data-django-jsonform-container", "true");
    var data = document.createElement("textarea");
    data.className = "django-jsonform-data";
    data.hidden = true;
    data.name = name;
    data.id = id;
    data.tabIndex = -1;
    data.setAttribute("aria-hidden", "true");
    data.value = "{}";
    data.setAttribute("data-django-jsonform", JSON.stringify({
      data: "{}", schema: schema, fileHandler: "", fileHandlerArgs: { field_name: name, model_name: "" },
      errorMap: {}, validateOnSubmit: false, readonly: false,
    }));
    // Added in one node: index.js looks for new editors inside what is added to the page.
    var holder = document.createElement("div");
    holder.appendChild(container);
    holder.appendChild(data);
    editor.appendChild(holder);
    wrapper.querySelector("[data-schema-raw]").value = "{}";
    setRaw(wrapper, false);
    wrapper.querySelector(".schema-form-advanced").open = false;
  }

  // The raw box follows the form while the form is the one in use (when both hold the same shape).
  function mirrorRaw(wrapper) {
    var data = wrapper.querySelector("textarea.django-jsonform-data");
    var toggle = wrapper.querySelector("[data-schema-raw-on]");
    if (toggle.checked || !data || !wrapper.hasAttribute("data-mirrors-raw")) return;
    try {
      wrapper.querySelector("[data-schema-raw]").value = JSON.stringify(JSON.parse(data.value || "{}"), null, 2);
    } catch (error) { /* leave the box as it is */ }
  }

  // The generated form's labels are not tied to their inputs: tie them (ids and `for`), and name the
  // inputs that have no label (a list's items) after their list, so screen readers announce them.
  var labelled = 0;
  function labelInputs(root) {
    root.querySelectorAll(".rjf-form-row-inner").forEach(function (row) {
      var label = row.querySelector(":scope > div > label");
      var input = row.querySelector(".rjf-input-group input, .rjf-input-group select, .rjf-input-group textarea");
      if (!input || input.id) return;
      input.id = "rjf-input-" + (++labelled);
      if (label && !label.htmlFor) {
        label.htmlFor = input.id;
        return;
      }
      if (!label && !input.getAttribute("aria-label")) {
        var group = row.closest(".rjf-form-group-inner, .rjf-form-group");
        var title = group && group.querySelector(".rjf-form-group-title");
        var rows = row.parentElement ? [].indexOf.call(row.parentElement.children, row) + 1 : 1;
        var name = title ? title.firstChild.textContent.trim() : "Item";
        input.setAttribute("aria-label", name + " " + rows);
      }
    });
  }

  function watchLabels(editor) {
    labelInputs(editor);
    new MutationObserver(function () { labelInputs(editor); })
      .observe(editor, { childList: true, subtree: true });
  }

  function initSchemaForm(wrapper) {
    watchLabels(wrapper.querySelector("[data-schema-editor]"));
    var toggle = wrapper.querySelector("[data-schema-raw-on]");
    toggle.addEventListener("change", function () { setRaw(wrapper, toggle.checked); });
    var advanced = wrapper.querySelector(".schema-form-advanced");
    advanced.addEventListener("toggle", function () { if (advanced.open) mirrorRaw(wrapper); });
    ["input", "change", "click"].forEach(function (kind) {
      wrapper.querySelector("[data-schema-editor]").addEventListener(kind, function () {
        setTimeout(function () { mirrorRaw(wrapper); }, 0);
      });
    });
    var source = wrapper.getAttribute("data-schema-source");
    var url = wrapper.getAttribute("data-schema-url");
    var select = source && url ? sourceSelect(wrapper, source) : null;
    if (!select) return;
    onChange(select, function () {
      if (!select.value) { drawEditor(wrapper, null); return; }
      getJSON(url, { type: select.value }).then(function (answer) { drawEditor(wrapper, answer.schema); })
        .catch(function () { drawEditor(wrapper, null); });
    });
  }

  function initDependentChoices(select) {
    var parent = sourceSelect(select, select.getAttribute("data-choices-source"));
    var url = select.getAttribute("data-choices-url");
    if (!parent || !url) return;
    onChange(parent, function () {
      getJSON(url, { parent: parent.value || "" }).then(function (answer) {
        var chosen = select.value;
        var blank = select.querySelector('option[value=""]');
        select.textContent = "";
        if (blank) select.appendChild(blank);
        answer.choices.forEach(function (choice) {
          var option = document.createElement("option");
          option.value = choice.value;
          option.textContent = choice.label;
          option.selected = choice.value === chosen;
          select.appendChild(option);
        });
        select.dispatchEvent(new Event("change")); // what follows this select follows along
      });
    });
  }

  function initWithin(root) {
    root.querySelectorAll(".schema-form").forEach(function (wrapper) {
      var raw = wrapper.querySelector("[data-schema-raw]");
      if (raw.name.indexOf("__prefix__") === -1 && !wrapper.hasAttribute("data-schema-ready")) {
        wrapper.setAttribute("data-schema-ready", "");
        initSchemaForm(wrapper);
      }
    });
    root.querySelectorAll("select[data-choices-source]").forEach(initDependentChoices);
  }

  function init() {
    initWithin(document);
    // A row added to an inline ("Add another step") gets its editor wired up too.
    document.addEventListener("formset:added", function (event) { initWithin(event.target); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
