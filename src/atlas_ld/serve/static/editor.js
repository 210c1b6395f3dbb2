// Choosing a canned query fills the editor; the form itself works without this script.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("canned");
  const area = document.getElementById("query");
  const texts = JSON.parse(document.getElementById("canned-queries").textContent);
  select.addEventListener("change", () => {
    if (select.selectedIndex > 0) area.value = texts[select.selectedIndex - 1];
  });
  document.getElementById("editor").addEventListener("submit", () => { select.disabled = true; });
});
