"""The duty roster: who is on-duty officer (值班员) and duty leader (带班领导) of every unit, at every moment."""
