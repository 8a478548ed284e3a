// The settings form's layout, read from the settings (the API's schema): every field with `form`
// metadata (backend/gdviz/config.py, `form()`), in fieldsets by its group, in its order, with the
// widget its type asks for. Its words come by key: the group's legend `group.<group>`, the label
// `field.<id>`, a choice `choice.<id>.<value>`, a hint `hint.<id>`, an empty field's placeholder
// `placeholder.<id>` (each where the catalogue has it). No DOM: the tests read it in node.

/** The widget for a field: its `form.widget` ("log-slider", "file", "select" with choices the page
 *  fetches), else a select for a choice, a checkbox for a yes/no, a text box for a number. */
export function widgetOf(field) {
  if (field.form?.widget) return field.form.widget;
  if (field.options) return 'select';
  return field.type === 'bool' ? 'checkbox' : 'number';
}

/** [{group, fields: [{id, widget}]}]: the groups in the order of their first field, each field in
 *  its order (fields of one schema property, init's w and b, in the property's place, in turn). */
export function formLayout(settings) {
  const shown = Object.entries(settings.fields).filter(([, f]) => f.form)
    .sort(([, a], [, b]) => a.form.order - b.form.order); // stable: init_w before init_b
  const groups = new Map();
  for (const [id, field] of shown) {
    const { group } = field.form;
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push({ id, widget: widgetOf(field) });
  }
  return [...groups].map(([group, fields]) => ({ group, fields }));
}
