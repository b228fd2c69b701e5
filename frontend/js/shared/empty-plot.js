// What a figure with nothing to draw yet says: a sentence in its middle, no axes. Plotly left alone
// draws an empty figure's default ranges (−1 to 4 "%" on the models lab's accuracy before any
// model was trained), which reads as data; a student should read what to do instead.

/**
 * Layout entries that replace an empty figure's axes by `text` (merge over the figure's own
 * layout: its title stays). `text` may hold <br> for a second line.
 */
export function emptyPlot(text) {
  const hidden = { visible: false, fixedrange: true };
  return {
    xaxis: hidden,
    yaxis: hidden,
    annotations: [{
      text, showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5, xanchor: 'center', yanchor: 'middle',
      font: { size: 15 }, name: 'empty-plot',
    }],
  };
}
