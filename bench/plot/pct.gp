# SPDX-License-Identifier: GPL-2.0
# pct.gp - fio completion-latency percentile curves, one line per transport.
#   gnuplot -c pct.gp TITLE OUTPUT.png FILE.pct [FILE.pct ...]
# Each .pct file (from vmsg-summary) holds "percentile clat_us" rows; the legend is the part of
# the file name after the last "__". The x axis counts nines, x = -log10(1 - p/100) (90 % at 1,
# 99 % at 2, 99.9 % at 3), so the tail gets as much room as the body; p = 100 has no place on
# it and is left out.
if (ARGC < 3) {
	print "usage: gnuplot -c pct.gp TITLE OUTPUT.png FILE.pct [FILE.pct ...]"
	exit status 2
}
set terminal pngcairo size 800,480 noenhanced
set output ARG2
set title ARG1
set xlabel "percentile (log nines)"
set ylabel "completion latency (us, log)"
set logscale y
set grid
set key top left
set xrange [0:*]
set xtics ("0" 0, "50" -log10(0.5), "90" 1, "99" 2, "99.9" 3, "99.99" 4, "99.999" 5)
set rmargin 6
nines(p) = p < 100 ? -log10(1 - p / 100.0) : NaN
label(f) = substr(f, strstrt(f, "__") + 2, strlen(f) - 4)
plot for [i=3:ARGC] ARGV[i] using (nines($1)):2 with linespoints title label(ARGV[i])
