// How each view splits the rows it is given. The views draw with these and
// the app hands the same numbers to the key reducer, so a page is a page.

/** the chrome around every view: the header line above, the status and hints lines below */
export const CHROME_ROWS = 3;

export const bodyRows = (terminalRows: number) => Math.max(3, terminalRows - CHROME_ROWS);

/** Detail view: three summary lines, the members table, the pane title, the pane. */
export function clusterLayout(body: number, members: number): { memberRows: number; paneRows: number } {
  const memberRows = Math.max(1, Math.min(members, Math.floor((body - 5) / 2)));
  return { memberRows, paneRows: Math.max(1, body - 3 - 1 - memberRows - 1) };
}

/** Log and help views: a title line, then the lines. */
export const pagedRows = (body: number) => Math.max(1, body - 1);

/** Clusters view: the column header, then the rows. */
export const listRows = (body: number) => Math.max(1, body - 1);
