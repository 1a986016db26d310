# SPDX-License-Identifier: GPL-2.0
# pct.gp - fio completion-latency percentile curves, one line per transport.
#   gnuplot -c pct.gp TITLE OUTPUT.png FILE.pct [FILE.pct ...]
# Each .pct file (from vmsg-summary) holds "percentile clat_us" rows; the legend is the part of
# the file name after the last "__".
if (ARGC < 3) {
	print "usage: gnuplot -c pct.gp TITLE OUTPUT.png FILE.pct [FILE.pct ...]"
	exit status 2
}
set terminal pngcairo size 800,480 noenhanced
set output ARG2
set title ARG1
set xlabel "percentile"
set ylabel "completion latency (us, log)"
set logscale y
set grid
set key top left
label(f) = substr(f, strstrt(f, "__") + 2, strlen(f) - 4)
plot for [i=3:ARGC] ARGV[i] using 1:2 with linespoints title label(ARGV[i])
