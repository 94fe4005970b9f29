// What Zhang et al., "Understanding User Behavior in Spotify" (IEEE INFOCOM 2013), says that bears
// on the synthetic workload (orchestrator/workload/synthetic.ts), with where each value was read.
// This module only records the source: nothing in the workload reads it yet (the model is to be
// moved to the sources in a later step; its test reports the gaps, docs/workload.md lists them).
//
// What could be read (2026-12, through the stored copies of public pages): the title pages and the
// abstract of the TU Delft report PDS-2013-001 (the paper's full-length version), the abstract of
// the INFOCOM version (IEEE's record), and a third party's summary of the paper's session-arrival
// analysis. The body of the paper (its sections, figures and tables) could not be reached: the
// stored transcriptions (docplayer, vdocument.in, 1library) answer with their first page or two
// only. So no figure was digitised and no section or figure number is given for any value: a
// value whose place in the paper is not known says so. Nothing here was guessed; what the
// reachable text does not give is listed under `missing`.
//
// Provenance, per value:
//   stated    the paper's own words (its abstract), quoted exactly
//   secondary another author's summary of the paper, quoted exactly; the paper's own figure or
//             sentence behind it was not seen. Hours are as the summary gives them (local time of
//             day, presumably the users'; the summary does not say)
//   (digitised: none. A value read off a figure by eye would be marked so, with its error.)

type Provenance = { kind: 'stated'; where: string; quote: string } | { kind: 'secondary'; where: string; by: string; quote: string; paperWhere: string };

interface Sourced<T> {
  value: T;
  from: Provenance;
  /** what the value means for the workload, or why it is only a qualitative finding */
  note?: string;
}

/** the full-length report's abstract (TU Delft PDS-2013-001, January 2013), as transcribed */
const REPORT_ABSTRACT = 'abstract of the TU Delft report PDS-2013-001 (January 2013)';
/** the INFOCOM 2013 version's abstract (IEEE's record of the paper) */
const INFOCOM_ABSTRACT = 'abstract of the INFOCOM 2013 version (IEEE record, pp. 220-224)';
/** a blog post summarising the paper's session-arrival analysis */
const SUMMARY = {
  where: 'https://samonspotify.wordpress.com/2016/11/ ("User Behavior: Spotify", November 2016)',
  by: 'a blog summary of the paper (Zhang, Kreitz, Isaksson, Ubillos), not its authors',
  paperWhere: "the paper's session-arrival analysis (system dynamics); section and figure number not reachable",
} as const;

export const zhang2013 = {
  citation: {
    authors: ['Boxun Zhang', 'Gunnar Kreitz', 'Marcus Isaksson', 'Javier Ubillos', 'Guido Urdaneta', 'Johan A. Pouwelse', 'Dick Epema'],
    title: 'Understanding User Behavior in Spotify',
    venue: 'Proceedings of IEEE INFOCOM 2013, Turin, 14-19 April 2013, pp. 220-224',
    doi: '10.1109/INFCOM.2013.6566767',
    report: 'Delft University of Technology, Parallel and Distributed Systems Report Series, report PDS-2013-001, January 2013, ISSN 1387-2109',
    transcriptions: [
      'https://docplayer.net/17552294-Delft-university-of-technology-parallel-and-distributed-systems-report-series-understanding-user-behavior-in-spotify.html',
      'https://vdocument.in/understanding-user-behavior-in-spotify-spotify-is-a-peer-assisted-music-streaming.html',
      'https://1library.net/document/yd89plgq-university-technology-parallel-distributed-systems-understanding-behavior-spotify.html',
    ],
    read: 'title pages and abstracts of both versions; the body (sections, figures, tables) was not reachable',
  },

  dataset: {
    /** when the measured data was collected */
    period: {
      value: [2010, 2011],
      from: { kind: 'stated', where: REPORT_ABSTRACT, quote: 'we study the user behavior in Spotify by analyzing a massive dataset collected between 2010 and 2011' },
      note: "the same years as the testbed's sources (Kreitz & Niemela 2010, Goldmann & Kreitz 2011): the service the testbed models",
    } satisfies Sourced<[number, number]>,
    /** in 2010-2011 the smartphone client needed a premium account */
    mobileNeedsPremium: {
      value: true,
      from: {
        kind: 'secondary',
        ...SUMMARY,
        paperWhere: "the paper's description of its dataset; section not reachable",
        quote: 'A premium account was required to do any research on a smartphone client.',
      },
      note: 'read as: mobile users were premium users. The synthetic model draws mobile and premium independently (synthetic.ts), so most of its mobile users stream q5 as free users',
    } satisfies Sourced<boolean>,
  },

  /** session arrivals per hour of day: the shape in words; the figure's 24 values were not reachable */
  sessionArrivals: {
    studied: {
      value: true,
      from: {
        kind: 'stated',
        where: REPORT_ABSTRACT,
        quote: 'we investigate the system dynamics including session arrival patterns, daily variations of session length, and playback arrival patterns',
      },
    } satisfies Sourced<boolean>,
    favouriteTimes: {
      value: true,
      from: { kind: 'stated', where: INFOCOM_ABSTRACT, quote: 'Our analysis reveals the favorite times of day for Spotify users.' },
    } satisfies Sourced<boolean>,
    dailyPattern: {
      value: true,
      from: { kind: 'secondary', ...SUMMARY, quote: 'there is a strong daily pattern and significant variation of hourly arrival rates' },
    } satisfies Sourced<boolean>,
    /** the hour of day with the fewest session arrivals */
    troughHour: {
      value: 2,
      from: { kind: 'secondary', ...SUMMARY, quote: 'The session arrival rate is lowest around 2 a.m.' },
    } satisfies Sourced<number>,
    /** the morning peak, hours of day (weekdays; it disappears at weekends, below) */
    morningPeakHours: {
      value: [9, 10],
      from: { kind: 'secondary', ...SUMMARY, quote: 'increases sharply up until 9-10 a.m., which the researchers define as the morning peak' },
    } satisfies Sourced<[number, number]>,
    /** a dip at lunch time on weekdays, after the morning peak (its hour and depth are not given) */
    weekdayLunchDip: {
      value: true,
      from: { kind: 'secondary', ...SUMMARY, quote: 'After the morning peak there is a drop during the mid-day lunch break time during weekdays.' },
    } satisfies Sourced<boolean>,
    /** the day's highest arrival rate, hours of day: 6-7 p.m. */
    eveningPeakHours: {
      value: [18, 19],
      from: { kind: 'secondary', ...SUMMARY, quote: 'After the lunch break the rate increases again and the daily peak is reached at roughly 6-7 p.m., which they call the evening peak.' },
    } satisfies Sourced<[number, number]>,
    /** at weekends neither the morning peak nor the lunch dip appears */
    weekendMorningPeakAndLunchDip: {
      value: false,
      from: {
        kind: 'secondary',
        ...SUMMARY,
        quote: 'the weekend effect explains that both the morning peak and lunch break dip disappear and the commuting effect also disappears',
      },
    } satisfies Sourced<boolean>,
    /** on weekdays, how many hours the mobile sessions' morning peak comes before the desktop sessions' */
    mobileMorningLeadHours: {
      value: 1,
      from: { kind: 'secondary', ...SUMMARY, quote: 'the morning peak of mobile session during weekdays is often one hour ahead of desktop sessions' },
      note: 'the summary gives commuting as the reason: mobile on the way to work, desktop at work',
    } satisfies Sourced<number>,
  },

  /** session length: studied by time of day, but no value could be read */
  sessionLength: {
    dailyVariation: {
      value: true,
      from: { kind: 'stated', where: REPORT_ABSTRACT, quote: 'daily variations of session length' },
      note: 'the length depends on the hour the session starts; the synthetic model draws every length from one exponential whatever the hour',
    } satisfies Sourced<boolean>,
  },

  /** downtime (time between a user's successive sessions) and its relation to length */
  downtime: {
    correlatedWithLength: {
      value: true,
      from: { kind: 'stated', where: INFOCOM_ABSTRACT, quote: 'We also show the correlations between both the length and the downtime of successive user sessions on single devices.' },
      note: "the sign and size of the correlations were not reachable; the synthetic model's sessions are independent (Poisson per day, lengths drawn afresh)",
    } satisfies Sourced<boolean>,
  },

  /** device switching between successive sessions (desktop, mobile, several desktops) */
  deviceSwitching: {
    studied: {
      value: true,
      from: {
        kind: 'stated',
        where: `${REPORT_ABSTRACT}; ${INFOCOM_ABSTRACT}`,
        quote:
          'we analyze the behavioral patterns of individual users on multiple devices and single devices, respectively. Our analysis reveals the patterns of users switching between multiple devices on successive sessi[ons]' +
          ' / In particular, we conduct the first analysis of the device-switching behavior of a massive user base.',
      },
      note: "the report's sentence is cut at 'sessi' where the reachable copy ends; [ons] is not read. Bears on the model's 60 % home-machine share; no switching probability could be read",
    } satisfies Sourced<boolean>,
  },

  /** what the workload needs and the reachable text does not give (never filled in by guess) */
  missing: [
    'the 24 hourly session-arrival values (weekday/weekend, desktop/mobile): the figure was not reachable, so nothing was digitised; only the landmarks above, from a summary',
    "the time zone of those hours (the users' local time is presumed, not stated in what was read)",
    'the depth and hour of the weekday lunch dip, and the heights of the morning and evening peaks relative to the trough',
    'session length: median, mean, distribution family and parameters, by hour of day and by device',
    'downtime between successive sessions: distribution, and the correlation coefficients with session length',
    'the desktop/mobile share of sessions or of users',
    'sessions per user per day (weekday, weekend)',
    'playback arrivals: plays per session or per hour',
    'device switching: the probability of the next session on the same or another device',
    'skip rate, track durations, repeat listening and cache sizes: not among the topics the abstract lists',
  ],
};
