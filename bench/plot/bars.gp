# SPDX-License-Identifier: GPL-2.0
# bars.gp - one bar per transport from a data/<scenario>.dat written by vmsg-summary.
#   gnuplot -c bars.gp DATAFILE COLUMN YLABEL TITLE OUTPUT.png
# .dat columns (COLUMN = index + 1 of res_dat_columns[] in bench/results.c, the one list the
# writer and vmsg-report use): 1 transport, 2 median, 3 p50_us, 4 p99_us, 5 p999_us,
# 6 notifications_per_io, 7 messages_per_io, 8 cost_vs_floor, 9 cost_vs_pci ("nan" = not measured)
if (ARGC != 5) {
	print "usage: gnuplot -c bars.gp DATAFILE COLUMN YLABEL TITLE OUTPUT.png"
	exit status 2
}
col = int(ARG2)
set terminal pngcairo size 800,480 noenhanced
set output ARG5
set title ARG4
set ylabel ARG3
set style fill solid 0.7 border -1
set boxwidth 0.6
set yrange [0:*]
set grid ytics
unset key
plot ARG1 using 0:col:xtic(1) with boxes lc rgb "#4477aa", \
     ARG1 using 0:col:(sprintf("%.3g", column(col))) with labels offset 0,0.7
