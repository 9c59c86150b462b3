// Building the page from data without innerHTML: every text a record carries goes in as a
// text node, so nothing a partner wrote can become markup or script.

export function h(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) { continue; }
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) { node.addEventListener(event, handler); }
    } else if (name === "class") {
      node.className = value;
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) { continue; }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function svg(tag, attributes, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

let counter = 0;

// A labelled control: the label names the control for screen readers and keyboard users.
export function field(label, control, hint) {
  if (!control.id) { control.id = "f" + (++counter); }
  const hintNode = hint ? h("small", { id: control.id + "-hint" }, hint) : null;
  if (hintNode) { control.setAttribute("aria-describedby", hintNode.id); }
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hintNode);
}

export function select(name, options, chosen) {
  return h(
    "select",
    { name },
    options.map(([value, text]) => h("option", { value, selected: value === chosen }, text))
  );
}

export function input(name, attributes) {
  return h("input", Object.assign({ name, type: "text" }, attributes || {}));
}

export function checkboxes(legend, name, options, checked) {
  return h(
    "fieldset",
    { class: "checks" },
    h("legend", null, legend),
    options.map(([value, text]) => {
      // The wrapping label names the box; an id would repeat where the form does.
      const box = h("input", { type: "checkbox", name, value, checked: (checked || []).includes(value) });
      return h("label", null, box, " ", text);
    })
  );
}

export function table(caption, headers, rows) {
  return h(
    "table",
    null,
    h("caption", null, caption),
    h("thead", null, h("tr", null, headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", null, rows)
  );
}

export function values(form, name) {
  return Array.from(form.querySelectorAll(`[name="${name}"]:checked`)).map((box) => box.value);
}
