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
    // Autocomplete selects (select2) announce changes through jQuery only.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(select).on("change", handler);
    } else {
      select.addEventListener("change", handler);
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
    var name = wrapper.getAttribute("data-schema-form");
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
    editor.appendChild(container);
    editor.appendChild(data); // index.js draws the new editor (it watches the page for them)
    wrapper.querySelector("[data-schema-raw]").value = "{}";
    setRaw(wrapper, false);
  }

  function initSchemaForm(wrapper) {
    var toggle = wrapper.querySelector("[data-schema-raw-on]");
    toggle.addEventListener("change", function () { setRaw(wrapper, toggle.checked); });
    var advanced = wrapper.querySelector(".schema-form-advanced");
    advanced.addEventListener("toggle", function () {
      var data = wrapper.querySelector("textarea.django-jsonform-data");
      if (!advanced.open || toggle.checked || !data || !wrapper.hasAttribute("data-mirrors-raw")) return;
      try {
        wrapper.querySelector("[data-schema-raw]").value = JSON.stringify(JSON.parse(data.value || "{}"), null, 2);
      } catch (error) { /* leave the box as it is */ }
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
      });
    });
  }

  function init() {
    document.querySelectorAll(".schema-form").forEach(function (wrapper) {
      if (wrapper.getAttribute("data-schema-form").indexOf("__prefix__") === -1) initSchemaForm(wrapper);
    });
    document.querySelectorAll("select[data-choices-source]").forEach(initDependentChoices);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
