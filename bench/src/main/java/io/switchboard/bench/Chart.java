package io.switchboard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A line chart as inline SVG: logarithmic or linear axes, one polyline with markers per series. */
final class Chart {
    private static final int WIDTH = 520;
    private static final int HEIGHT = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 36;
    private static final int BOTTOM = 46;
    static final Map<String, String> COLORS = Map.of("switchboard", "#1f6fb4", "socketio", "#d2452a", "floor", "#7a7a7a");

    private Chart() {
    }

    /** {@code series}: name → points {x, y}; non-positive values are skipped on log axes. */
    static String svg(String title, String xLabel, String yLabel, Map<String, List<double[]>> series,
                      boolean logX, boolean logY, Double limit) {
        List<double[]> all = new ArrayList<>();
        series.values().forEach(points -> points.stream().filter(p -> usable(p, logX, logY)).forEach(all::add));
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' font-family='sans-serif' font-size='11'>",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append("<rect width='100%' height='100%' fill='white'/>");
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='18' font-size='13' font-weight='bold'>%s</text>", LEFT, escape(title)));
        if (all.isEmpty()) {
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d'>no data</text></svg>", LEFT, HEIGHT / 2));
            return svg.toString();
        }
        double[] xr = range(all, 0, logX);
        double[] yr = range(all, 1, logY);
        if (limit != null) {
            yr[1] = Math.max(yr[1], logY ? Math.log10(limit) : limit);
            yr[0] = Math.min(yr[0], logY ? Math.log10(limit) : limit);
        }
        Axis x = new Axis(xr[0], xr[1], logX, LEFT, WIDTH - RIGHT);
        Axis y = new Axis(yr[0], yr[1], logY, HEIGHT - BOTTOM, TOP);
        // grid and ticks
        for (double tick : x.ticks()) {
            double px = x.map(tick);
            svg.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#e4e4e4'/>", px, TOP, px, HEIGHT - BOTTOM));
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>", px, HEIGHT - BOTTOM + 15, label(tick)));
        }
        for (double tick : y.ticks()) {
            double py = y.map(tick);
            svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#e4e4e4'/>", LEFT, py, WIDTH - RIGHT, py));
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' text-anchor='end'>%s</text>", LEFT - 6, py + 4, label(tick)));
        }
        svg.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='none' stroke='#888'/>",
                LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM));
        if (limit != null) {
            double py = y.map(limit);
            svg.append(String.format(Locale.ROOT,
                    "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#999' stroke-dasharray='4 3'/><text x='%d' y='%.1f' fill='#777'>%s</text>",
                    LEFT, py, WIDTH - RIGHT, py, WIDTH - RIGHT - 70, py - 4, "limit " + label(limit)));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='middle'>%s</text>",
                (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 10, escape(xLabel)));
        svg.append(String.format(Locale.ROOT, "<text transform='translate(14 %d) rotate(-90)' text-anchor='middle'>%s</text>",
                (TOP + HEIGHT - BOTTOM) / 2, escape(yLabel)));
        int legend = 0;
        for (Map.Entry<String, List<double[]>> entry : series.entrySet()) {
            String color = COLORS.getOrDefault(entry.getKey(), "#444");
            StringBuilder points = new StringBuilder();
            for (double[] p : entry.getValue()) {
                if (!usable(p, logX, logY)) {
                    continue;
                }
                double px = x.map(p[0]);
                double py = y.map(p[1]);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                svg.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'><title>%s: %s → %s</title></circle>",
                        px, py, color, escape(entry.getKey()), label(p[0]), label(p[1])));
            }
            svg.append(String.format(Locale.ROOT, "<polyline points='%s' fill='none' stroke='%s' stroke-width='2'%s/>", points, color,
                    legend == 0 ? "" : " stroke-dasharray='6 3'"));
            int lx = WIDTH - RIGHT - 230 + legend * 115;
            svg.append(String.format(Locale.ROOT, "<rect x='%d' y='24' width='12' height='3' fill='%s'/><text x='%d' y='29'>%s</text>",
                    lx, color, lx + 16, escape(entry.getKey())));
            legend++;
        }
        return svg.append("</svg>").toString();
    }

    private static boolean usable(double[] p, boolean logX, boolean logY) {
        return Double.isFinite(p[0]) && Double.isFinite(p[1]) && (!logX || p[0] > 0) && (!logY || p[1] > 0);
    }

    private static double[] range(List<double[]> points, int index, boolean log) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (double[] p : points) {
            double v = log ? Math.log10(p[index]) : p[index];
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (!log) {
            min = Math.min(0, min);
        }
        if (max - min < 1e-9) {
            max = min + (log ? 1 : Math.max(1, Math.abs(min)));
        }
        if (log) {
            return new double[] {Math.floor(min), Math.ceil(max)};
        }
        return new double[] {min, max * 1.08};
    }

    private static String label(double value) {
        if (value >= 1_000_000) {
            return trim(value / 1_000_000) + "M";
        }
        if (value >= 10_000) {
            return trim(value / 1_000) + "k";
        }
        return trim(value);
    }

    private static String trim(double value) {
        if (value == Math.rint(value)) {
            return String.valueOf((long) value);
        }
        return String.format(Locale.ROOT, value < 1 ? "%.2f" : "%.1f", value);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }

    /** One axis; for log axes {@code lo}/{@code hi} are decimal exponents. */
    private record Axis(double lo, double hi, boolean log, double from, double to) {
        double map(double value) {
            double v = log ? Math.log10(value) : value;
            return from + (v - lo) / (hi - lo) * (to - from);
        }

        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            if (log) {
                for (int e = (int) lo; e <= (int) hi; e++) {
                    for (int m : new int[] {1, 2, 5}) {
                        double v = m * Math.pow(10, e);
                        if (Math.log10(v) >= lo - 1e-9 && Math.log10(v) <= hi + 1e-9) {
                            ticks.add(v);
                        }
                    }
                }
                return ticks;
            }
            double span = hi - lo;
            double step = Math.pow(10, Math.floor(Math.log10(span / 5)));
            for (double m : new double[] {1, 2, 5, 10}) {
                if (span / (step * m) <= 6) {
                    step *= m;
                    break;
                }
            }
            for (double v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) {
                ticks.add(v);
            }
            return ticks;
        }
    }
}
