import { createContext, useContext } from "react";

/** Whether this is a training desk (workshops): given by the app once it knows. */
export const TrainingDesk = createContext(false);

export function useTrainingDesk(): boolean {
  return useContext(TrainingDesk);
}
