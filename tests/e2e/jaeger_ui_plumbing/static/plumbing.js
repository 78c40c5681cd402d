// Renders what Jaeger injected: its version and the menu of the UI config (otel-llm's test page).
(function () {
  const version = getJaegerVersion();
  if (version) {
    document.getElementById("version").textContent = "Jaeger version " + JSON.stringify(version);
  }
  const config = getJaegerUiConfig() || {};
  const list = document.getElementById("menu");
  for (const group of config.menu || []) {
    for (const item of group.items || [group]) {
      const link = document.createElement("a");
      link.href = item.url;
      link.textContent = group.label + " / " + item.label;
      const entry = document.createElement("li");
      entry.appendChild(link);
      list.appendChild(entry);
    }
  }
})();
