// How the console may draw: with colour and inverse video, or plain text for
// NO_COLOR and dumb terminals, where marks must be characters, not styles.
import { createContext, useContext } from 'react';

export interface Look {
  /** no colours, no inverse: the cursor row gets a '>' and warnings say so in words */
  plain: boolean;
}

export const LookContext = createContext<Look>({ plain: false });
export const useLook = () => useContext(LookContext);

export function lookFromEnv(env: NodeJS.ProcessEnv = process.env): Look {
  return { plain: Boolean(env.NO_COLOR) || env.FORCE_COLOR === '0' || env.TERM === 'dumb' };
}
