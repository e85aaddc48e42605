/**
 * given(events).when(command).then(expected) / .thenThrows(code) for deciders (STYLE §10): the state is folded
 * from the given events with the decider's own `evolve`, so tests speak in facts, not in state shapes.
 */
export function deciderSpec<S, E, C, R>(options: {
  evolve: (state: S, event: E) => S;
  initial: S;
  decide: (command: C, state: S) => R;
}) {
  return {
    given(events: E[]) {
      const state = events.reduce(options.evolve, options.initial);
      return {
        when(command: C) {
          const run = () => options.decide(command, state);
          return {
            then(check: (result: R) => void): void {
              check(run());
            },
            thenThrows(code: string): void {
              let error: unknown;
              try {
                run();
              } catch (caught) {
                error = caught;
              }
              expect(error).toMatchObject({ code });
            },
          };
        },
      };
    },
  };
}
